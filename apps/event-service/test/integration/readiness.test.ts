import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../../../../scripts/lib/services.mjs';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { eventually } from '../helpers/wait';

const CI = process.env.CI === 'true';
const redisAvailable = process.env.TEST_REDIS_AVAILABLE !== '0';
if (!redisAvailable && !CI) console.warn('!!! Redis at 127.0.0.1:6379 is not reachable: the Redis readiness test is SKIPPED !!!');

// Centrifugo reaches Redis through a TCP proxy that the test cuts: the shared local Redis stays up.
describe.skipIf(!redisAvailable && !CI)('readiness with Centrifugo on the Redis engine', () => {
  let proxy: TcpProxy;
  let centrifugo: TestCentrifugo;
  let service: TestService;

  beforeAll(async () => {
    const redis = new URL(REDIS_URL);
    proxy = await startTcpProxy(Number(redis.port || 6379), redis.hostname);
    const redisUrl = `redis://127.0.0.1:${proxy.port}`;
    centrifugo = await startTestCentrifugo({ engine: 'redis', redisUrl, redisPrefix: `neo-test-${randomBytes(6).toString('hex')}` });
    service = await startTestService(centrifugo, { CENTRIFUGO_ENGINE: 'redis', REDIS_URL: redisUrl });
  });
  afterAll(async () => {
    await service?.stop();
    await centrifugo?.stop();
    await proxy?.close();
  });

  it('Redis gone: /readyz turns 503 naming the engine; Redis back: ready again by itself', async () => {
    const readyz = async () => {
      const res = await fetch(`${service.url}/readyz`);
      return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
    };
    expect((await readyz()).status).toBe(200);
    await proxy.cut();
    const down = await eventually(async () => {
      const r = await readyz();
      expect(r.status).toBe(503);
      return r;
    }, 15_000, 100);
    expect(down.body.checks.centrifugo_engine).not.toBe('ok');
    // Centrifugo itself still answers: only the engine check can tell.
    expect(down.body.checks.centrifugo).toBe('ok');
    await proxy.restore();
    await eventually(async () => expect((await readyz()).status).toBe(200), 30_000, 200);
  });
});
