import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config';

const base = {
  NODE_ENV: 'development',
  AUTH_JWT_SECRET: 'dev-secret-for-tests',
  INGEST_API_KEYS: 'dev-key',
  CENTRIFUGO_API_KEY: 'dev-api',
  CENTRIFUGO_TOKEN_SECRET: 'dev-token',
};

// Operations settings and the misconfigurations an operator meets first; each stops with one line naming the variable.
describe('loadConfig: operations', () => {
  it('shutdown defaults: no drain delay locally, 15 s budget', () => {
    expect(loadConfig(base).shutdown).toEqual({ delayMs: 0, timeoutMs: 15_000 });
    expect(loadConfig({ ...base, SHUTDOWN_DELAY_MS: '5000', SHUTDOWN_TIMEOUT_MS: '30000' }).shutdown).toEqual({ delayMs: 5000, timeoutMs: 30_000 });
  });

  it('retention: hourly in batches of 1,000 by default; 0 turns the cleanup off', () => {
    expect(loadConfig(base)).toMatchObject({ retentionDays: 30, retentionIntervalMs: 3_600_000, retentionBatchSize: 1000 });
    expect(loadConfig({ ...base, RETENTION_INTERVAL_MS: '0', RETENTION_BATCH_SIZE: '200' })).toMatchObject({ retentionIntervalMs: 0, retentionBatchSize: 200 });
  });

  it('accepts the Redis URL forms Centrifugo accepts', () => {
    for (const url of ['redis://redis:6379', 'rediss://user:pw@redis.example.com:6380/0', 'redis+sentinel://s1:26379?sentinel_master_name=mymaster']) {
      expect(loadConfig({ ...base, CENTRIFUGO_ENGINE: 'redis', REDIS_URL: url }).centrifugo.redisUrl).toBe(url);
    }
  });

  it.each([
    [{ ...base, CENTRIFUGO_ENGINE: 'nats' }, /^CENTRIFUGO_ENGINE: /],
    [{ ...base, CENTRIFUGO_ENGINE: 'redis', REDIS_URL: 'localhost:6379' }, /^REDIS_URL: /],
    [{ ...base, CENTRIFUGO_URL: 'centrifugo:8000' }, /^CENTRIFUGO_URL: /],
    [{ ...base, DATABASE_URL: 'postgres//nope' }, /^DATABASE_URL: /],
    [{ ...base, AUTH_JWKS_URL: 'not a url', AUTH_JWT_SECRET: '' }, /^AUTH_JWKS_URL: /],
    [{ ...base, CENTRIFUGO_API_KEY: '' }, /^CENTRIFUGO_API_KEY is required$/],
    [{ ...base, CENTRIFUGO_TOKEN_SECRET: undefined }, /^CENTRIFUGO_TOKEN_SECRET is required$/],
    [{ ...base, SHUTDOWN_DELAY_MS: '-1' }, /^SHUTDOWN_DELAY_MS: /],
    [{ ...base, SHUTDOWN_TIMEOUT_MS: 'soon' }, /^SHUTDOWN_TIMEOUT_MS: /],
    [{ ...base, RETENTION_BATCH_SIZE: '0' }, /^RETENTION_BATCH_SIZE: /],
    [{ ...base, RETENTION_INTERVAL_MS: '-5' }, /^RETENTION_INTERVAL_MS: /],
  ])('refuses %o with one line naming the variable', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
