#!/usr/bin/env node
// `npm run start:cluster`: the scale-out shape on one machine. Two Centrifugo nodes on the Redis engine
// (same secrets, same Redis prefix), two event-service instances on one Postgres (each with its relay;
// an advisory lock lets one relay at a time), and the portal on instance 1 and node 1. Ctrl-C stops all.
// Needs the local Redis and Postgres; the database is created with psql when missing.
import net from 'node:net';
import path from 'node:path';
import { ensureDependencies } from './lib/deps.mjs';
import { centrifugoValues, provisionCentrifugo, startCentrifugo } from './lib/centrifugo.mjs';
import { buildAll } from './lib/build.mjs';
import { loadDevSecrets } from './lib/secrets.mjs';
import { serviceEnv, startEventService, startPortal } from './lib/system.mjs';
import { isPortFree, stopChild } from './lib/proc.mjs';
import { ensureDatabase } from './lib/postgres.mjs';
import { DATA_DIR } from './lib/paths.mjs';

const fail = (message) => {
  process.stderr.write(`npm run start:cluster: ${message}\n`);
  process.exit(1);
};

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_PREFIX = process.env.CENTRIFUGO_REDIS_PREFIX ?? 'neo-cluster';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/neo_realtime';
const NODES = [8000, 8001];
const SERVICES = [4000, 4001];
const PORTAL = Number(process.env.PORTAL_PORT ?? 3000);

function reachable(url, defaultPort) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || defaultPort), timeout: 1000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

const started = [];
let stopping = false;
const stopAll = async () => {
  for (const svc of [...started].reverse()) await stopChild(svc.child);
};
const shutdown = async (signal, code = 0) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await stopAll();
  process.exit(code);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  if (!(await reachable(REDIS_URL, 6379))) fail(`Redis is not reachable at ${REDIS_URL} (set REDIS_URL); the cluster needs Centrifugo's Redis engine`);
  if (!(await reachable(DATABASE_URL, 5432))) fail(`Postgres is not reachable at ${new URL(DATABASE_URL).host} (set DATABASE_URL); the instances share one database`);
  await ensureDependencies();
  const centrifugoBin = await provisionCentrifugo();
  await buildAll();
  for (const port of [...NODES, ...SERVICES, PORTAL]) {
    if (!(await isPortFree(port))) fail(`port ${port} is busy; stop what uses it (npm start?) first`);
  }
  const created = await ensureDatabase(DATABASE_URL);
  if (created === 'created') console.log(`created the database ${new URL(DATABASE_URL).pathname.slice(1)}`);

  const secrets = loadDevSecrets();
  const portalOrigins = [`http://localhost:${PORTAL}`, `http://127.0.0.1:${PORTAL}`];
  for (const port of NODES) {
    started.push(await startCentrifugo({
      bin: centrifugoBin,
      name: `centrifugo-${port}`,
      dir: path.join(DATA_DIR, 'cluster', `centrifugo-${port}`),
      values: centrifugoValues({
        port,
        apiKey: secrets.CENTRIFUGO_API_KEY,
        tokenSecret: secrets.CENTRIFUGO_TOKEN_SECRET,
        allowedOrigins: portalOrigins,
        engine: 'redis',
        redisUrl: REDIS_URL,
        redisPrefix: REDIS_PREFIX,
        nodeName: `centrifugo-${port}`,
        logLevel: 'info',
      }),
    }));
  }
  // Instance i talks to node i; any instance could use any node (they share Redis).
  for (const [i, port] of SERVICES.entries()) {
    const env = {
      ...serviceEnv({ centrifugoBin, dataDir: path.join(DATA_DIR, 'cluster'), secrets, ports: { centrifugo: NODES[i], service: port, portal: PORTAL }, databaseUrl: DATABASE_URL }),
      CENTRIFUGO_ENGINE: 'redis',
      REDIS_URL,
    };
    await startEventService({ env, port, started, name: `event-service-${port}` });
  }
  await startPortal({ ports: { centrifugo: NODES[0], service: SERVICES[0], portal: PORTAL }, started });

  for (const svc of started) {
    svc.child.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`npm run start:cluster: ${svc.name} stopped unexpectedly (${signal ?? `exit ${code}`}); stopping the rest\n`);
      void shutdown('child exit', 1);
    });
  }
  console.log(`
NEO_STACK Realtime cluster is running (Centrifugo Redis engine, prefix "${REDIS_PREFIX}").
  Portal          http://localhost:${PORTAL}   (uses instance 1 and node 1)
  Event service   http://localhost:${SERVICES[0]}   http://localhost:${SERVICES[1]}   (metrics: /metrics)
  Centrifugo      ws://localhost:${NODES[0]}/connection/websocket   ws://localhost:${NODES[1]}/connection/websocket
  Redis           ${REDIS_URL}
  Database        ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}
  Secrets         ${DATA_DIR}/secrets.json

Try: ingest through :${SERVICES[1]} and watch the portal on :${PORTAL} (node ${NODES[0]}) receive it through Redis.
Ctrl-C stops everything.
`);
} catch (err) {
  await stopAll();
  fail(err instanceof Error ? err.message : String(err));
}
