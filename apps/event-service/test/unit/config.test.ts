import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError, secretWeakness } from '../../src/config';

const base = {
  NODE_ENV: 'development',
  AUTH_JWT_SECRET: 'dev-secret-for-tests',
  INGEST_API_KEYS: 'dev-key',
  CENTRIFUGO_API_KEY: 'dev-api',
  CENTRIFUGO_TOKEN_SECRET: 'dev-token',
};
const strong = () => randomBytes(24).toString('base64url');
/** Production secrets, as an operator would set them. */
const prod = () => ({ AUTH_JWT_SECRET: strong(), INGEST_API_KEYS: strong(), CENTRIFUGO_API_KEY: strong(), CENTRIFUGO_TOKEN_SECRET: strong() });

/** The message of the ConfigError `env` stops with (fails the test if it loads). */
function refusal(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain('\n');
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('loadConfig', () => {
  it('parses defaults and freezes the result', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(4000);
    expect(config.centrifugo.url).toBe('http://localhost:8000');
    expect(config.centrifugo.connectionTokenTtl).toBe(60);
    expect(config.auth).toMatchObject({ operatorRole: 'admin', claims: { tenant: 'tenantId', roles: 'roles', permissions: 'permissions' }, maxTokenLifetime: 43_200 });
    expect(Object.isFrozen(config.centrifugo)).toBe(true);
  });

  it.each([
    [{ ...base, PORT: 'eighty' }, /^PORT/],
    [{ ...base, AUTH_JWT_SECRET: '' }, /AUTH_JWT_SECRET or AUTH_JWKS_URL/],
    [{ ...base, CENTRIFUGO_ENGINE: 'kafka' }, /^CENTRIFUGO_ENGINE/],
    [{ ...base, CENTRIFUGO_ENGINE: 'redis' }, /REDIS_URL/],
    [{ ...base, DATABASE_URL: 'mysql://x' }, /^DATABASE_URL/],
    [{ ...base, CENTRIFUGO_URL: 'not a url' }, /^CENTRIFUGO_URL/],
    [{ ...base, DEMO_LOGIN: 'yes' }, /^DEMO_LOGIN/],
    [{ ...base, AUTH_MAX_TOKEN_LIFETIME: '10' }, /^AUTH_MAX_TOKEN_LIFETIME/],
    [{ ...base, PLATFORM_TOKEN_TTL: '50000' }, /PLATFORM_TOKEN_TTL must not exceed AUTH_MAX_TOKEN_LIFETIME/],
    [{ ...base, AUTH_CLAIM_ROLES: 'realm access' }, /^AUTH_CLAIM_ROLES/],
    [{ ...base, ACCESS_SYNC_MS: '10000' }, /^ACCESS_SYNC_MS/],
    [{ ...base, INGEST_API_KEYS: 'dev-key,dev-key' }, /INGEST_API_KEYS lists the same key twice/],
  ])('refuses bad configuration, naming the variable (%#)', (env, message) => {
    expect(refusal(env)).toMatch(message);
  });

  describe('fail closed: production unless development is asked for', () => {
    it('NODE_ENV unset is production: development secrets are refused, naming the variable', () => {
      const { NODE_ENV: _, ...unset } = base;
      expect(refusal(unset)).toMatch(/^AUTH_JWT_SECRET is a weak secret/);
    });
    it('production with strong secrets: no demo login, no development CORS, nothing development', () => {
      const config = loadConfig(prod());
      expect(config).toMatchObject({ env: 'production', development: false, demoLogin: false, corsOrigins: [] });
    });
    it('NODE_ENV=development allows weak secrets and localhost CORS, but not the demo login', () => {
      const config = loadConfig(base);
      expect(config).toMatchObject({ development: true, demoLogin: false, corsOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'] });
    });
    it('DEMO_LOGIN=on (NODE_ENV unset) is asking for development: demo login on, weak secrets allowed', () => {
      const { NODE_ENV: _, ...unset } = base;
      expect(loadConfig({ ...unset, DEMO_LOGIN: 'on' })).toMatchObject({ env: 'development', development: true, demoLogin: true });
    });
    it('DEMO_LOGIN=on with NODE_ENV=production is refused', () => {
      expect(refusal({ ...prod(), NODE_ENV: 'production', DEMO_LOGIN: 'on' })).toMatch(/^DEMO_LOGIN cannot be on when NODE_ENV=production/);
    });
    it.each([
      ['a development secret', 'dev-' + strong(), /a known development or example value/],
      ['a test secret', 'test-' + strong(), /a known development or example value/],
      ['an example value', 'changeme-changeme-changeme-changeme-42', /a known development or example value/],
      ['too short', strong().slice(0, 20), /shorter than 32 characters/],
      ['long but not random', 'ab'.repeat(20), /not random/],
    ])('production refuses %s in every secret, naming it', (_name, weak, reason) => {
      for (const name of ['AUTH_JWT_SECRET', 'CENTRIFUGO_TOKEN_SECRET', 'CENTRIFUGO_API_KEY', 'INGEST_API_KEYS']) {
        const message = refusal({ ...prod(), [name]: weak });
        expect(message.startsWith(`${name} is a weak secret`)).toBe(true);
        expect(message).toMatch(reason);
      }
    });
  });

  describe('one secret per role', () => {
    it.each([['production', prod()], ['development', base]])('AUTH_JWT_SECRET = CENTRIFUGO_TOKEN_SECRET stops the start in %s, naming both', (_mode, env) => {
      expect(refusal({ ...env, CENTRIFUGO_TOKEN_SECRET: env.AUTH_JWT_SECRET })).toBe('AUTH_JWT_SECRET and CENTRIFUGO_TOKEN_SECRET must differ (one secret must not sign for another)');
    });
    it('an ingest key equal to the Centrifugo API key is refused too', () => {
      const env = prod();
      expect(refusal({ ...env, INGEST_API_KEYS: env.CENTRIFUGO_API_KEY })).toMatch(/^CENTRIFUGO_API_KEY and INGEST_API_KEYS must differ/);
    });
    it('twin: distinct secrets start', () => {
      expect(() => loadConfig(prod())).not.toThrow();
    });
  });

  describe('identity provider (JWKS) in production', () => {
    const jwks = (extra: Record<string, string>) => ({ ...prod(), AUTH_JWT_SECRET: '', AUTH_JWKS_URL: 'https://id.example.com/jwks.json', AUTH_ISSUER: 'https://id.example.com', AUTH_AUDIENCE: 'neo', ...extra });
    it.each([
      ['without an issuer', { AUTH_ISSUER: '' }, /^AUTH_ISSUER is required with AUTH_JWKS_URL in production$/],
      ['without an audience', { AUTH_AUDIENCE: '' }, /^AUTH_AUDIENCE is required with AUTH_JWKS_URL in production$/],
      ['an http:// key URL', { AUTH_JWKS_URL: 'http://id.example.com/jwks.json' }, /^AUTH_JWKS_URL must be an https:\/\/ URL in production/],
    ])('refuses %s', (_name, extra, message) => {
      expect(refusal(jwks(extra))).toMatch(message);
    });
    it('twins: https with issuer and audience; http on localhost', () => {
      expect(loadConfig(jwks({})).auth.jwksUrl).toBe('https://id.example.com/jwks.json');
      expect(loadConfig(jwks({ AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks' })).auth.jwksUrl).toBe('http://127.0.0.1:8080/jwks');
    });
  });

  it('bootstrap ingest keys are optional (scoped keys live in the database)', () => {
    expect(loadConfig({ ...prod(), INGEST_API_KEYS: '' }).ingestKeys).toEqual([]);
  });

  it('reads claim paths and the operator role', () => {
    const config = loadConfig({ ...base, AUTH_OPERATOR_ROLE: 'platform-operator', AUTH_CLAIM_TENANT: 'https://neo.example/tenant', AUTH_CLAIM_ROLES: 'realm_access.roles' });
    expect(config.auth).toMatchObject({ operatorRole: 'platform-operator', claims: { tenant: 'https://neo.example/tenant', roles: 'realm_access.roles', permissions: 'permissions' } });
  });

  it('secretWeakness accepts what `openssl rand -hex 16` and `-base64 32` give', () => {
    expect(secretWeakness(randomBytes(16).toString('hex'))).toBeNull();
    expect(secretWeakness(randomBytes(32).toString('base64'))).toBeNull();
  });
});
