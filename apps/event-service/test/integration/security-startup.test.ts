import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleService } from '../../../../scripts/lib/build.mjs';
import { ROOT } from '../../../../scripts/lib/paths.mjs';
import { freePort, retryOnBusyPort, stopChild } from '../../../../scripts/lib/proc.mjs';

// Issue "Production access", fail closed: the bundled service as an operator starts it. Started with
// neither DEMO_LOGIN=on nor NODE_ENV=development/test it is production; it refuses weak or shared
// secrets and an identity provider without issuer, audience or https, with exit code 78 (EX_CONFIG) and
// ONE line on stderr naming the variable.

const SERVER = path.join(ROOT, 'apps/event-service/dist/server.mjs');
const strong = () => randomBytes(24).toString('base64url');
const secrets = () => ({ AUTH_JWT_SECRET: strong(), INGEST_API_KEYS: strong(), CENTRIFUGO_API_KEY: strong(), CENTRIFUGO_TOKEN_SECRET: strong() });

/** Starts the service with exactly `env` (plus PATH); resolves with its exit code and stderr. */
function startRefused(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH ?? '', DATA_DIR: 'memory://', LOG_LEVEL: 'silent', ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the service started instead of refusing'));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/**
 * Starts the service with `env` on a port freePort() found, and resolves once THIS child logged that it
 * listens there: another test's service (a demo one, in a CI run) could have taken the port first, and
 * would then answer this test's requests while this child exits 98 (started again on a fresh port).
 */
function startOnFreePort(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  return retryOnBusyPort(async () => {
    const port = await freePort();
    let output = '';
    const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH ?? '', DATA_DIR: 'memory://', PORT: String(port), HOST: '127.0.0.1', CENTRIFUGO_URL: 'http://127.0.0.1:9', ...env } });
    const code = await new Promise<number | null | 'listening'>((resolve) => {
      const timer = setTimeout(() => resolve(null), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        output += String(d);
        if (output.includes(`"msg":"Server listening at http://127.0.0.1:${port}"`)) {
          clearTimeout(timer);
          resolve('listening');
        }
      });
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code === 'listening') return { child, port, output: () => output };
    await stopChild(child);
    throw new Error(code === null ? `the service did not listen on port ${port} within 30 s` : `the service on port ${port} exited with code ${code} before it listened`);
  });
}

describe('start-up refusals (the bundled service, production by default)', () => {
  beforeAll(() => bundleService('event-service', { log: () => {} }));

  const jwks = { AUTH_JWKS_URL: 'https://id.example.com/jwks.json', AUTH_ISSUER: 'https://id.example.com', AUTH_AUDIENCE: 'neo' };
  it.each([
    ['development secrets with NODE_ENV unset', () => ({ ...secrets(), AUTH_JWT_SECRET: `dev-${strong()}` }), 'AUTH_JWT_SECRET is a weak secret'],
    ['a short Centrifugo API key', () => ({ ...secrets(), CENTRIFUGO_API_KEY: 'short' }), 'CENTRIFUGO_API_KEY is a weak secret'],
    ['AUTH_JWT_SECRET = CENTRIFUGO_TOKEN_SECRET (even in development)', () => {
      const s = secrets();
      return { ...s, NODE_ENV: 'development', CENTRIFUGO_TOKEN_SECRET: s.AUTH_JWT_SECRET };
    }, 'AUTH_JWT_SECRET and CENTRIFUGO_TOKEN_SECRET must differ'],
    ['the demo login asked for in production', () => ({ ...secrets(), NODE_ENV: 'production', DEMO_LOGIN: 'on' }), 'DEMO_LOGIN cannot be on when NODE_ENV=production'],
    ['JWKS without an issuer', () => ({ ...secrets(), AUTH_JWT_SECRET: '', ...jwks, AUTH_ISSUER: '' }), 'AUTH_ISSUER is required with AUTH_JWKS_URL in production'],
    ['JWKS without an audience', () => ({ ...secrets(), AUTH_JWT_SECRET: '', ...jwks, AUTH_AUDIENCE: '' }), 'AUTH_AUDIENCE is required with AUTH_JWKS_URL in production'],
    ['JWKS over plain http', () => ({ ...secrets(), AUTH_JWT_SECRET: '', ...jwks, AUTH_JWKS_URL: 'http://id.example.com/jwks.json' }), 'AUTH_JWKS_URL must be an https:// URL in production'],
    ['a nonsense token lifetime cap', () => ({ ...secrets(), AUTH_MAX_TOKEN_LIFETIME: 'forever' }), 'AUTH_MAX_TOKEN_LIFETIME:'],
  ])('refuses %s: exit 78 and one line naming the variable', async (_name, env, message) => {
    const { code, stderr } = await startRefused(env());
    expect(code).toBe(78);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`event-service: configuration error: ${message}`);
    // Secrets are never echoed.
    for (const value of Object.values(env())) if (value.length >= 32) expect(stderr).not.toContain(value);
  });

  it('twin: strong, distinct secrets and nothing else start a production service (no demo login, bootstrap keys warned about)', async () => {
    const env = secrets();
    const { child, port, output } = await startOnFreePort(env);
    try {
      const login = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@neo.test', password: 'demo1234' }) });
      expect(await login.json()).toMatchObject({ status: 404, code: 'ERR_LOGIN_DISABLED' });
      // CORS: no development origins in production.
      const preflight = await fetch(`http://127.0.0.1:${port}/v1/me`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'GET' } });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(output()).toContain('INGEST_API_KEYS #1 is a bootstrap key of full scope');
      expect(output()).not.toContain(env.INGEST_API_KEYS);
    } finally {
      await stopChild(child);
    }
  });
});
