// The local services some tests use (PostgreSQL at 127.0.0.1:5432, Redis at 127.0.0.1:6379).
// Outside CI a missing one is reported loudly and its tests skip; under CI=true it fails the run.
import net from 'node:net';

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

export async function checkLocalServices({ ci = false } = {}) {
  const pg = new URL(POSTGRES_URL);
  const redis = new URL(REDIS_URL);
  const status = {
    postgres: await reachable(pg.hostname, Number(pg.port || 5432)),
    redis: await reachable(redis.hostname, Number(redis.port || 6379)),
  };
  for (const [name, ok] of Object.entries(status)) {
    if (ok) continue;
    const msg = `${name} is not reachable (${name === 'postgres' ? POSTGRES_URL : REDIS_URL})`;
    if (ci) {
      console.error(`npm test: ${msg}; it is required under CI=true`);
      process.exit(1);
    }
    console.warn(`\n!!! ${msg}: the tests that need it will SKIP !!!\n`);
  }
  process.env.TEST_POSTGRES_AVAILABLE = status.postgres ? '1' : '0';
  process.env.TEST_REDIS_AVAILABLE = status.redis ? '1' : '0';
  return status;
}
