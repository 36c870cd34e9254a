// Development secrets: generated on the first run, kept in .data/secrets.json (git-ignored), never committed.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DATA_DIR } from './paths.mjs';

const NAMES = ['AUTH_JWT_SECRET', 'INGEST_API_KEYS', 'CENTRIFUGO_API_KEY', 'CENTRIFUGO_TOKEN_SECRET'];

/** A development secret; the `dev-` prefix makes production refuse it. */
export const devSecret = () => `dev-${randomBytes(24).toString('base64url')}`;

/**
 * The secrets for a local run: environment variables win, then .data/secrets.json, then new ones.
 * @returns {Record<string, string>}
 */
export function loadDevSecrets(dir = DATA_DIR) {
  const file = path.join(dir, 'secrets.json');
  let stored = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8'));
  let changed = false;
  for (const name of NAMES) {
    if (!stored[name]) {
      stored[name] = devSecret();
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  }
  const out = {};
  for (const name of NAMES) out[name] = process.env[name] || stored[name];
  return out;
}
