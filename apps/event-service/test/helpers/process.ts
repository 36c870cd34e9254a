import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { bundleService } from '../../../../scripts/lib/build.mjs';
import { ROOT } from '../../../../scripts/lib/paths.mjs';
import { freePort, spawnService, stopChild, waitForHttp } from '../../../../scripts/lib/proc.mjs';
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

/** The bundled event service as its own process (for crash and shutdown tests), on a fixed free port. */
export async function startServiceProcess(centrifugo: TestCentrifugo, env: Record<string, string>): Promise<ServiceProcess> {
  await bundleService('event-service', { log: () => {} });
  const port = await freePort();
  const ingestKey = `test-ingest-${randomBytes(8).toString('hex')}`;
  const jwtSecret = `test-${randomBytes(24).toString('hex')}`;
  const fullEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DEMO_LOGIN: 'on',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
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
    svc = spawnService('event-service', process.execPath, ['--enable-source-maps', path.join(ROOT, 'apps/event-service/dist/server.mjs')], { env: fullEnv, quiet: true, onLine: (l: string) => lines.push(l) });
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, { child: svc.child, name: 'event-service', timeoutMs: 60_000 });
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
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
