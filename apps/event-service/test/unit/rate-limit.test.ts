import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { TokenBucketLimiter, takeAll } from '../../src/plugins/rate-limit';
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

  it('a request may cost several units; a cost over what is left waits for that many', () => {
    let t = 0;
    const limiter = new TokenBucketLimiter({ limit: 10, windowMs: 1000, now: () => t });
    expect(limiter.take('k', 5).allowed).toBe(true);
    expect(limiter.take('k', 4).allowed).toBe(true);
    expect(limiter.take('k', 5)).toEqual({ allowed: false, retryAfterSec: 1 });
    expect(limiter.take('k', 1).allowed).toBe(true); // the unit left
    t = 500; // 5 units back
    expect(limiter.take('k', 5).allowed).toBe(true);
  });

  it('takeAll takes from every budget or from none, and names the one that refused', () => {
    const t = 0;
    const user = new TokenBucketLimiter({ limit: 10, windowMs: 10_000, now: () => t });
    const tenant = new TokenBucketLimiter({ limit: 3, windowMs: 3_000, now: () => t });
    const charge = (who: string) => takeAll([{ limiter: user, key: who, cost: 1, scope: 'user' }, { limiter: tenant, key: 'acme', cost: 1, scope: 'tenant' }]);
    expect([charge('ana'), charge('luis'), charge('ana')].every((r) => r.allowed)).toBe(true);
    // The tenant's budget is spent by its members together; the refusal names it and spends nothing.
    expect(charge('luis')).toEqual({ allowed: false, retryAfterSec: 1, scope: 'tenant' });
    expect(user.take('luis', 9).allowed).toBe(true); // luis's own budget is still 9 (1 taken, none for the refusal)
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
    // testConfig raises the request budgets for the other suites; the defaults are the service's own.
    const defaults = testConfig(undefined, { RATE_LIMIT_USER_PER_SECOND: '', RATE_LIMIT_TENANT_PER_SECOND: '' });
    expect(defaults.rateLimits).toEqual({ tokensPerMinute: 600, ingestPerSecond: 5000, userPerSecond: 20, tenantPerSecond: 100, burstSeconds: 3, tenantConnections: 2000, ingestEventsPerKey: 2000, ingestEventsPerTenant: 200, refusalDelayMs: 100, refusalMaxHeld: 1000 });
    expect(defaults.ingestQueueMaxEvents).toBe(20_000);
    expect(defaults.db).toEqual({ ingestPoolSize: 6, requestPoolSize: 6, statementTimeoutMs: 5000 });
    for (const [name, value, message] of [
      ['RATE_LIMIT_TOKENS_PER_MINUTE', '0', /^RATE_LIMIT_TOKENS_PER_MINUTE/],
      ['RATE_LIMIT_INGEST_PER_SECOND', 'lots', /^RATE_LIMIT_INGEST_PER_SECOND/],
      ['RATE_LIMIT_USER_PER_SECOND', '-5', /^RATE_LIMIT_USER_PER_SECOND/],
      ['RATE_LIMIT_USER_PER_SECOND', '1', /^RATE_LIMIT_USER_PER_SECOND × RATE_LIMIT_BURST_SECONDS must be at least 5/],
      ['RATE_LIMIT_TENANT_PER_SECOND', 'NaN', /^RATE_LIMIT_TENANT_PER_SECOND/],
      ['RATE_LIMIT_BURST_SECONDS', '0', /^RATE_LIMIT_BURST_SECONDS/],
      ['RATE_LIMIT_INGEST_EVENTS_PER_TENANT', '100', /^RATE_LIMIT_INGEST_EVENTS_PER_TENANT × RATE_LIMIT_BURST_SECONDS must be at least 500/],
      ['RATE_LIMIT_TENANT_CONNECTIONS', '1.5', /^RATE_LIMIT_TENANT_CONNECTIONS/],
      ['RATE_LIMIT_REFUSAL_DELAY_MS', '-1', /^RATE_LIMIT_REFUSAL_DELAY_MS/],
      ['RATE_LIMIT_REFUSAL_MAX_HELD', 'many', /^RATE_LIMIT_REFUSAL_MAX_HELD/],
      ['INGEST_QUEUE_MAX_EVENTS', '10', /^INGEST_QUEUE_MAX_EVENTS/],
      ['DB_STATEMENT_TIMEOUT_MS', 'soon', /^DB_STATEMENT_TIMEOUT_MS/],
      ['DB_REQUEST_POOL_SIZE', '0', /^DB_REQUEST_POOL_SIZE/],
    ] as const) {
      expect(() => testConfig(undefined, { [name]: value }), name).toThrow(message);
    }
  });
});

// Fair sharing: every authenticated route takes from its caller's budget and its tenant's, weighted.
describe('request budgets per identity and per tenant', () => {
  let app: FastifyInstance;
  let config: Config;
  // Buckets of 6 units per user and 9 per tenant that refill slowly (0.1 and 0.15 units/s over 60 s):
  // what the test spends is not given back while it runs, however slow the machine.
  beforeAll(async () => {
    config = testConfig(undefined, { RATE_LIMIT_USER_PER_SECOND: '0.1', RATE_LIMIT_TENANT_PER_SECOND: '0.15', RATE_LIMIT_BURST_SECONDS: '60', RATE_LIMIT_INGEST_EVENTS_PER_KEY: '200', RATE_LIMIT_INGEST_EVENTS_PER_TENANT: '200', RATE_LIMIT_TENANT_CONNECTIONS: '2', CONNECTION_TOKEN_TTL: '60' });
    app = await buildApp(config, { logger: false, relay: false });
  });
  afterAll(() => app.close());
  const loginAs = async (email: string) => (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'demo1234' } })).json().token as string;
  const get = (token: string, url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it('a search costs 5, a page 2, a plain read 1; a spent identity gets 429 rate_limit_user with Retry-After', async () => {
    const sofia = await loginAs('sofia@globex.test');
    expect((await get(sofia, '/v1/history?channel=billing:globex&q=factura')).statusCode).toBe(200); // 5 of 6
    const refused = await get(sofia, '/v1/history?channel=billing:globex'); // 2 > 1 left
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ status: 429, code: 'ERR_RATE_LIMITED', reason: 'rate_limit_user' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await get(sofia, '/v1/tenants/globex/deployments')).statusCode).toBe(200); // 1 unit: fits
  });

  it('members share their tenant’s budget; another tenant is untouched', async () => {
    const ana = await loginAs('ana@acme.test');
    const luis = await loginAs('luis@acme.test');
    const admin = await loginAs('admin@neo.test');
    // ana 6 units (her whole budget), then luis finds 3 of the tenant's 9 left.
    for (let i = 0; i < 6; i++) expect((await get(ana, '/v1/tenants/acme/deployments')).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await get(luis, '/v1/tenants/acme/deployments')).statusCode).toBe(200);
    expect((await get(luis, '/v1/tenants/acme/deployments')).json()).toMatchObject({ status: 429, reason: 'rate_limit_tenant' });
    // The operator (no tenant) has budgets of its own.
    expect((await get(admin, '/v1/tenants/acme/deployments')).statusCode).toBe(200);
  });

  it('connection tokens per tenant bound its connections (RATE_LIMIT_TENANT_CONNECTIONS per CONNECTION_TOKEN_TTL)', async () => {
    const sofia = await loginAs('sofia@globex.test');
    const connection = () => app.inject({ method: 'POST', url: '/v1/realtime/connection-token', headers: { authorization: `Bearer ${sofia}` } });
    expect((await connection()).statusCode).toBe(200);
    expect((await connection()).statusCode).toBe(200);
    expect((await connection()).json()).toMatchObject({ status: 429, reason: 'rate_limit_tenant_connections' });
  });

});

describe('refusals are held before they are sent (RATE_LIMIT_REFUSAL_DELAY_MS, RATE_LIMIT_REFUSAL_MAX_HELD)', () => {
  // Six units per identity that refill at 0.1/s: after six plain reads every later one is refused.
  const build = (delayMs: string, maxHeld: string) =>
    buildApp(testConfig(undefined, { RATE_LIMIT_USER_PER_SECOND: '0.1', RATE_LIMIT_TENANT_PER_SECOND: '100', RATE_LIMIT_BURST_SECONDS: '60', RATE_LIMIT_REFUSAL_DELAY_MS: delayMs, RATE_LIMIT_REFUSAL_MAX_HELD: maxHeld }), { logger: false, relay: false });
  const refusedTimes = async (app: FastifyInstance, parallel: number) => {
    const token = (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'sofia@globex.test', password: 'demo1234' } })).json().token as string;
    const get = () => app.inject({ method: 'GET', url: '/v1/tenants/globex/deployments', headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 6; i++) expect((await get()).statusCode).toBe(200);
    const t0 = performance.now();
    const answers = await Promise.all(Array.from({ length: parallel }, async () => {
      const r = await get();
      return { status: r.statusCode, code: r.json().code, ms: performance.now() - t0 };
    }));
    return answers;
  };

  it('a 429 is sent after the delay, the same problem document and Retry-After; a 200 is not held', async () => {
    const app = await build('2000', '1000');
    try {
      const [refused] = await refusedTimes(app, 1);
      expect(refused).toMatchObject({ status: 429, code: 'ERR_RATE_LIMITED' });
      expect(refused!.ms).toBeGreaterThanOrEqual(1950);
      // Another identity's request, answered 200, goes out at once (well under the delay).
      const ana = (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'ana@acme.test', password: 'demo1234' } })).json().token as string;
      const t0 = performance.now();
      expect((await app.inject({ method: 'GET', url: '/v1/tenants/acme/deployments', headers: { authorization: `Bearer ${ana}` } })).statusCode).toBe(200);
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally {
      await app.close();
    }
  }, 30_000);

  it('past RATE_LIMIT_REFUSAL_MAX_HELD refusals held at once, the others are sent without waiting', async () => {
    const app = await build('2000', '2');
    try {
      const answers = await refusedTimes(app, 6);
      expect(answers.every((a) => a.status === 429)).toBe(true);
      const held = answers.filter((a) => a.ms >= 1900).length;
      expect(held).toBe(2);
    } finally {
      await app.close();
    }
  }, 30_000);
});

describe('ingest quotas in events per second', () => {
  let app: FastifyInstance;
  let config: Config;
  // Big buckets that refill slowly (10 and 20 events/s over 60 s): what the test spends is not given back
  // while it runs, however slow the machine.
  beforeAll(async () => {
    config = testConfig(undefined, { RATE_LIMIT_BURST_SECONDS: '60', RATE_LIMIT_INGEST_EVENTS_PER_TENANT: '10', RATE_LIMIT_INGEST_EVENTS_PER_KEY: '20' });
    app = await buildApp(config, { logger: false, relay: false });
  });
  afterAll(() => app.close());

  it('per tenant and per key: a batch over the tenant’s budget is refused whole and stores nothing; another tenant still publishes', async () => {
    const key = config.ingestKeys[0]!;
    const invoices = (tenantId: string, n: number, prefix: string) => ({ events: Array.from({ length: n }, (_, i) => ({ type: 'billing_invoice', tenantId, data: { invoiceId: `${prefix}-${i}`, amount: 1, currency: 'MXN' } })) });
    const ingest = (body: ReturnType<typeof invoices>) => app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${key}` }, payload: body });
    expect((await ingest(invoices('acme', 500, 'A1'))).statusCode).toBe(202); // tenant 600 → ~100, key 1200 → ~700
    const refused = await ingest(invoices('acme', 300, 'A2'));
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'ERR_RATE_LIMITED', reason: 'rate_limit_ingest_tenant_events' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const ana = (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'ana@acme.test', password: 'demo1234' } })).json().token as string;
    const history = await app.inject({ method: 'GET', url: '/v1/history?channel=billing:acme&q=A2-0', headers: { authorization: `Bearer ${ana}` } });
    expect(history.json().items).toEqual([]); // nothing of the refused batch stored
    expect((await ingest(invoices('globex', 500, 'G1'))).statusCode).toBe(202); // key → ~200
    // The key's own budget is now short of a third tenant's batch.
    expect((await ingest(invoices('initech', 450, 'I1'))).json()).toMatchObject({ reason: 'rate_limit_ingest_key_events' });
  });
});
