import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { bundleService } from '../../../../scripts/lib/build.mjs';
import { ROOT } from '../../../../scripts/lib/paths.mjs';
import { freePort, retryOnBusyPort, spawnService, stopChild, waitForHttp } from '../../../../scripts/lib/proc.mjs';
import type { TestCentrifugo } from './centrifugo';

export interface ServiceProcess {
  url: string;
  ingestKey: string;
  jwtSecret: string;
  child(): ChildProcess;
  /** SIGKILL: no drain, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  start(): Promise<void>;
  output(): string[];
}

/**
 * Whether the service answering on `url` is the one holding `ingestKey` (its own random key): another
 * test's service that took the port first would answer /readyz too, but refuse the key with a 401. An
 * empty event with the key is refused 400 by its owner and creates nothing.
 */
async function answersWithKey(url: string, ingestKey: string): Promise<boolean> {
  const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` }, body: '{}', signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status === 400;
}

/**
 * The bundled event service as its own process (for crash and shutdown tests), on a port of its own that
 * stays the same across `kill`/`stop` and `start`. The first start checks that the service answering is
 * its own child, and moves to a fresh port if another took it (that child exits 98).
 */
export async function startServiceProcess(centrifugo: TestCentrifugo, env: Record<string, string>): Promise<ServiceProcess> {
  await bundleService('event-service', { log: () => {} });
  let port = 0;
  const ingestKey = `test-ingest-${randomBytes(8).toString('hex')}`;
  const jwtSecret = `test-${randomBytes(24).toString('hex')}`;
  const fullEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DEMO_LOGIN: 'on',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    AUTH_JWT_SECRET: jwtSecret,
    INGEST_API_KEYS: ingestKey,
    CENTRIFUGO_URL: centrifugo.url,
    CENTRIFUGO_API_KEY: centrifugo.apiKey,
    CENTRIFUGO_TOKEN_SECRET: centrifugo.tokenSecret,
    RATE_LIMIT_USER_PER_SECOND: '1000',
    RATE_LIMIT_TENANT_PER_SECOND: '1000',
    ...env,
  };
  let svc: ReturnType<typeof spawnService> | null = null;
  const lines: string[] = [];
  const start = async () => {
    const url = `http://127.0.0.1:${port}`;
    svc = spawnService('event-service', process.execPath, ['--enable-source-maps', path.join(ROOT, 'apps/event-service/dist/server.mjs')], { env: { ...fullEnv, PORT: String(port) }, quiet: true, onLine: (l: string) => lines.push(l) });
    const { child } = svc;
    await waitForHttp(`${url}/readyz`, { child, name: 'event-service', timeoutMs: 60_000 });
    if (!(await answersWithKey(url, ingestKey))) {
      // Another service's answer: this child cannot bind the port (it exits 98 when it tries); stop it.
      await stopChild(child, 5000);
      svc = null;
      throw new Error(`address already in use: another service answers on port ${port}`);
    }
  };
  await retryOnBusyPort(async () => {
    port = await freePort();
    await start();
  });
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    ingestKey,
    jwtSecret,
    child: () => svc!.child,
    output: () => lines,
    start,
    async kill() {
      if (!svc) return;
      const child = svc.child;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      svc = null;
    },
    async stop() {
      if (svc) await stopChild(svc.child);
      svc = null;
    },
  };
}
