import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { TokenBucketLimiter } from '../../src/plugins/rate-limit';
import { buildApp } from '../../src/app';
import { testConfig } from '../helpers/service';
import type { Config } from '../../src/config';

describe('TokenBucketLimiter', () => {
  it('allows a burst of `limit`, then refuses with the seconds until the next token', () => {
    let t = 0;
    const limiter = new TokenBucketLimiter({ limit: 3, windowMs: 60_000, now: () => t });
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSec: 20 });
    // Keys are independent.
    expect(limiter.take('b').allowed).toBe(true);
    t = 19_999;
    expect(limiter.take('a').allowed).toBe(false);
    t = 20_000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('rounds Retry-After up to at least one second', () => {
    let t = 0;
    const limiter = new TokenBucketLimiter({ limit: 1000, windowMs: 1000, now: () => t });
    for (let i = 0; i < 1000; i++) limiter.take('k');
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSec: 1 });
    t = 1;
    expect(limiter.take('k').allowed).toBe(true);
  });

  it('forgets refilled buckets once a window has passed, so memory follows active keys', () => {
    let t = 0;
    const limiter = new TokenBucketLimiter({ limit: 2, windowMs: 1000, now: () => t });
    for (let i = 0; i < 100; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(100);
    t = 5000;
    limiter.take('fresh');
    expect(limiter.size).toBe(1);
  });

  it('refuses a nonsensical configuration', () => {
    expect(() => new TokenBucketLimiter({ limit: 0, windowMs: 1000 })).toThrow(RangeError);
  });
});

// The limits wired to the routes, through inject() with low limits.
describe('rate limits on the routes', () => {
  let app: FastifyInstance;
  let config: Config;
  beforeAll(async () => {
    config = testConfig(undefined, { RATE_LIMIT_TOKENS_PER_MINUTE: '3', RATE_LIMIT_INGEST_PER_SECOND: '2' });
    app = await buildApp(config, { logger: false, relay: false });
  });
  afterAll(() => app.close());

  const loginAs = async (email: string) => (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'demo1234' } })).json().token as string;

  it('per identity on the token routes: 429 ERR_RATE_LIMITED with Retry-After, other identities unaffected', async () => {
    const ana = await loginAs('ana@acme.test');
    const luis = await loginAs('luis@acme.test');
    const connection = (token: string) => app.inject({ method: 'POST', url: '/v1/realtime/connection-token', headers: { authorization: `Bearer ${token}` } });
    const subscription = (token: string) => app.inject({ method: 'POST', url: '/v1/realtime/subscription-token', headers: { authorization: `Bearer ${token}` }, payload: { channel: 'deployments:acme' } });
    // Both token routes share one bucket per identity.
    expect((await connection(ana)).statusCode).toBe(200);
    expect((await subscription(ana)).statusCode).toBe(200);
    expect((await connection(ana)).statusCode).toBe(200);
    const refused = await subscription(ana);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ status: 429, code: 'ERR_RATE_LIMITED', reason: 'rate_limit_tokens' });
    expect(Number(refused.headers['retry-after'])).toBe(20);
    expect((await connection(luis)).statusCode).toBe(200);
  });

  it('unauthenticated requests are refused before counting (no bucket per garbage token)', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/realtime/connection-token', headers: { authorization: 'Bearer not.a.jwt' } });
    expect(r.json()).toMatchObject({ status: 401, code: 'ERR_AUTH_TOKEN_MALFORMED' });
  });

  it('per ingest key on POST /v1/events', async () => {
    const ingest = () => app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${config.ingestKeys[0]}` }, payload: { type: 'nope', data: {} } });
    // Counted per request before the body is validated: the first two are 400 (bad event), then 429.
    expect((await ingest()).statusCode).toBe(400);
    expect((await ingest()).statusCode).toBe(400);
    const refused = await ingest();
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'ERR_RATE_LIMITED', reason: 'rate_limit_ingest' });
    expect(refused.headers['retry-after']).toBe('1');
  });

  it('configuration: defaults and validation name the variable', () => {
    expect(testConfig().rateLimits).toEqual({ tokensPerMinute: 600, ingestPerSecond: 5000 });
    expect(() => testConfig(undefined, { RATE_LIMIT_TOKENS_PER_MINUTE: '0' })).toThrow(/^RATE_LIMIT_TOKENS_PER_MINUTE/);
    expect(() => testConfig(undefined, { RATE_LIMIT_INGEST_PER_SECOND: 'lots' })).toThrow(/^RATE_LIMIT_INGEST_PER_SECOND/);
  });
});
