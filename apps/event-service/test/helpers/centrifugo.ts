import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { centrifugoValues, provisionCentrifugo, startCentrifugo } from '../../../../scripts/lib/centrifugo.mjs';
import { freePort, stopChild } from '../../../../scripts/lib/proc.mjs';

export interface TestCentrifugo {
  url: string;
  wsUrl: string;
  port: number;
  apiKey: string;
  tokenSecret: string;
  /** SIGKILLs the server (no goodbye to clients). */
  kill(): Promise<void>;
  /** Starts it again on the same port and config (memory engine: history starts anew, a new epoch). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestCentrifugoOptions {
  engine?: 'memory' | 'redis';
  redisUrl?: string;
  redisPrefix?: string;
  /** Reuse the secrets of another node (cluster tests). */
  apiKey?: string;
  tokenSecret?: string;
  allowedOrigins?: string[];
  presenceUpdateInterval?: string;
  /** Most connections per user (Centrifugo `user_connection_limit`); default the shipped one. */
  userConnectionLimit?: number;
}

/** A real Centrifugo on a free port with fresh secrets, in a temp folder; `stop()` removes both. */
export async function startTestCentrifugo(options: TestCentrifugoOptions = {}): Promise<TestCentrifugo> {
  const bin = process.env.CENTRIFUGO_BIN ?? (await provisionCentrifugo());
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'neo-centrifugo-'));
  const apiKey = options.apiKey ?? `test-${randomBytes(12).toString('hex')}`;
  const tokenSecret = options.tokenSecret ?? `test-${randomBytes(24).toString('hex')}`;
  const values = centrifugoValues({
    port,
    apiKey,
    tokenSecret,
    allowedOrigins: options.allowedOrigins ?? ['*'],
    engine: options.engine,
    redisUrl: options.redisUrl,
    redisPrefix: options.redisPrefix,
    presenceUpdateInterval: options.presenceUpdateInterval,
    userConnectionLimit: options.userConnectionLimit,
  });
  let current: Awaited<ReturnType<typeof startCentrifugo>> | null = null;
  const start = async () => {
    current = await startCentrifugo({ bin, dir, values, quiet: true });
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/connection/websocket`,
    port,
    apiKey,
    tokenSecret,
    start,
    async kill() {
      if (current) {
        const child = current.child;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        current = null;
      }
    },
    async stop() {
      if (current) await stopChild(current.child);
      current = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
