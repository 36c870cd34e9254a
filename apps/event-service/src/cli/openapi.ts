// Prints the event service's OpenAPI document (what `GET /docs/json` serves) without a database
// server, Centrifugo or a port: the app is built on an in-memory PGlite and asked through inject().
// `npm run api-client:generate` turns it into the typed client's schema (packages/api-client).
import { randomBytes } from 'node:crypto';
import { buildApp } from '../app';
import { loadConfig } from '../config';

const secret = () => randomBytes(32).toString('hex');
const config = loadConfig({
  // Every route is registered in every mode; development only so that throwaway secrets are accepted.
  NODE_ENV: 'development',
  LOG_LEVEL: 'silent',
  DATA_DIR: 'memory://',
  AUTH_JWT_SECRET: secret(),
  INGEST_API_KEYS: secret(),
  CENTRIFUGO_URL: 'http://127.0.0.1:9',
  CENTRIFUGO_API_KEY: secret(),
  CENTRIFUGO_TOKEN_SECRET: secret(),
});
const app = await buildApp(config, { logger: false, relay: false });
try {
  const res = await app.inject('/docs/json');
  if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}`);
  process.stdout.write(`${JSON.stringify(res.json(), null, 2)}\n`);
} finally {
  await app.close();
}
