import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config';

const base = {
  AUTH_JWT_SECRET: 'dev-secret-for-tests',
  INGEST_API_KEYS: 'dev-key',
  CENTRIFUGO_API_KEY: 'dev-api',
  CENTRIFUGO_TOKEN_SECRET: 'dev-token',
};
const strong = (c: string) => c.repeat(40);

describe('loadConfig', () => {
  it('parses defaults and freezes the result', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(4000);
    expect(config.centrifugo.url).toBe('http://localhost:8000');
    expect(Object.isFrozen(config.centrifugo)).toBe(true);
  });

  it.each([
    [{ ...base, PORT: 'eighty' }, /^PORT/],
    [{ ...base, AUTH_JWT_SECRET: '' }, /AUTH_JWT_SECRET or AUTH_JWKS_URL/],
    [{ ...base, INGEST_API_KEYS: ' , ' }, /INGEST_API_KEYS/],
    [{ ...base, CENTRIFUGO_ENGINE: 'kafka' }, /^CENTRIFUGO_ENGINE/],
    [{ ...base, CENTRIFUGO_ENGINE: 'redis' }, /REDIS_URL/],
    [{ ...base, DATABASE_URL: 'mysql://x' }, /^DATABASE_URL/],
    [{ ...base, CENTRIFUGO_URL: 'not a url' }, /^CENTRIFUGO_URL/],
  ])('refuses bad configuration, naming the variable (%#)', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('production refuses development secrets, naming the variable, and turns the demo login off', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET is a development or weak secret/);
    const prod = { NODE_ENV: 'production', AUTH_JWT_SECRET: strong('a'), INGEST_API_KEYS: strong('b'), CENTRIFUGO_API_KEY: strong('c'), CENTRIFUGO_TOKEN_SECRET: 'dev-x' };
    expect(() => loadConfig(prod)).toThrow(/CENTRIFUGO_TOKEN_SECRET/);
    const ok = loadConfig({ ...prod, CENTRIFUGO_TOKEN_SECRET: strong('d') });
    expect(ok.demoLogin).toBe(false);
    expect(() => loadConfig({ ...prod, CENTRIFUGO_TOKEN_SECRET: strong('d'), DEMO_LOGIN: 'on' })).toThrow(/DEMO_LOGIN/);
  });
});
