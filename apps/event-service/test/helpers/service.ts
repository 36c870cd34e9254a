import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { TestCentrifugo } from './centrifugo';

export interface TestService {
  url: string;
  app: FastifyInstance;
  config: Config;
  ingestKey: string;
  stop(): Promise<void>;
}

/** Test configuration: fresh secrets, in-memory PGlite, pointed at `centrifugo` (or at nothing, for inject-only tests). */
export function testConfig(centrifugo?: Pick<TestCentrifugo, 'url' | 'apiKey' | 'tokenSecret'>, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DEMO_LOGIN: 'on',
    LOG_LEVEL: 'silent',
    DATA_DIR: 'memory://',
    AUTH_JWT_SECRET: `test-${randomBytes(24).toString('hex')}`,
    INGEST_API_KEYS: `test-ingest-${randomBytes(12).toString('hex')}`,
    CENTRIFUGO_URL: centrifugo?.url ?? 'http://127.0.0.1:9',
    CENTRIFUGO_API_KEY: centrifugo?.apiKey ?? 'test-unused',
    CENTRIFUGO_TOKEN_SECRET: centrifugo?.tokenSecret ?? 'test-unused-token-secret',
    // Suites send bursts of requests as one user; the limits' own tests set them low.
    RATE_LIMIT_USER_PER_SECOND: '1000',
    RATE_LIMIT_TENANT_PER_SECOND: '1000',
    ...env,
  });
}

/** The event service in this process, listening on a free port. */
export async function startTestService(centrifugo: TestCentrifugo, env: Record<string, string> = {}): Promise<TestService> {
  const config = testConfig(centrifugo, env);
  const app = await buildApp(config, { logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: address, app, config, ingestKey: config.ingestKeys[0]!, stop: () => app.close() };
}
