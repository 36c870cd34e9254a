import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { EVENT_TYPES } from '@neo/contracts';
import { buildApp } from '../../src/app';
import { testConfig } from '../helpers/service';
import type { Config } from '../../src/config';
import { eventually } from '../helpers/wait';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (enough of it for these assertions: no escaped quotes in our values). */
function parseScrape(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`unparseable scrape line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

// No Centrifugo here: the relay fails to publish, which is also what the API-error counter should show.
describe('metrics (inject)', () => {
  let app: FastifyInstance;
  let config: Config;
  const TENANTS = Array.from({ length: 50 }, (_, i) => `tenantzz${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    config = testConfig();
    app = await buildApp(config, { logger: false });
  });
  afterAll(() => app.close());

  const ingest = (body: unknown) =>
    app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${config.ingestKeys[0]}` }, payload: body as object });
  const loginAs = async (email: string) => (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'demo1234' } })).json().token as string;
  const scrape = async () => {
    const r = await app.inject('/metrics');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    return { text: r.body, samples: parseScrape(r.body) };
  };

  it('no label value ever holds a tenant, channel, user or raw path, however many there are', async () => {
    const ana = await loginAs('ana@acme.test');
    for (const [i, tenantId] of TENANTS.entries()) {
      // 50 tenants × 3 topics = 150 channels, several event types.
      const r = await ingest({
        events: [
          { type: 'billing_plan_change', tenantId, data: { fromPlan: 'basic', toPlan: 'pro' } },
          { type: 'metrics_update', tenantId, data: { instanceId: `inst-${i}`, cpu: 1, memory: 2, disk: 3, networkIn: 4, networkOut: 5, uptime: 6 } },
          { type: 'alert', tenantId, data: { alertId: `alert-${i}`, rule: 'disk', severity: 'warning', message: 'disk almost full' } },
        ],
      });
      expect(r.statusCode, r.body).toBe(202);
      // Refused subscription tokens for other tenants' channels, and raw paths no route matches.
      expect((await app.inject({ method: 'POST', url: '/v1/realtime/subscription-token', headers: { authorization: `Bearer ${ana}` }, payload: { channel: `billing:${tenantId}` } })).statusCode).toBe(403);
      expect((await app.inject(`/v1/tenants/${tenantId}/nothing-here/${i}`)).statusCode).toBe(404);
    }
    expect((await app.inject({ method: 'POST', url: '/v1/realtime/subscription-token', headers: { authorization: `Bearer ${ana}` }, payload: { channel: 'billing:acme' } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/realtime/connection-token', headers: { authorization: `Bearer ${ana}` } })).statusCode).toBe(200);

    const { samples } = await scrape();
    const forbidden = [...TENANTS, 'acme', 'ana@acme.test', 'u-ana', 'nothing-here', 'inst-', 'alert-'];
    for (const s of samples) {
      for (const [label, value] of Object.entries(s.labels)) {
        for (const f of forbidden) expect(value.includes(f), `${s.name}{${label}="${value}"} holds "${f}"`).toBe(false);
      }
    }
    // Every label's value set stays small and independent of the 50 tenants: the union over all metrics.
    const values = new Map<string, Set<string>>();
    for (const s of samples) for (const [label, value] of Object.entries(s.labels)) values.set(`${s.name}:${label}`, (values.get(`${s.name}:${label}`) ?? new Set()).add(value));
    for (const [key, set] of values) expect(set.size, `${key} has ${set.size} values`).toBeLessThan(TENANTS.length);

    const get = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
    expect(get('neo_ingest_events_total', { type: 'billing_plan_change' })).toBe(50);
    expect(get('neo_ingest_events_total', { type: 'alert' })).toBe(50);
    expect(get('neo_ingest_duration_seconds_count', { type: 'metrics_update' })).toBe(50);
    expect(get('neo_tokens_refused_total', { kind: 'subscription', reason: 'not_tenant_member' })).toBe(50);
    expect(get('neo_tokens_issued_total', { kind: 'subscription' })).toBe(1);
    expect(get('neo_tokens_issued_total', { kind: 'connection' })).toBe(1);
    expect(get('neo_http_requests_total', { route: 'unmatched', status: '404' })).toBe(50);
    expect(get('neo_http_requests_total', { method: 'POST', route: '/v1/events', status: '202' })).toBe(50);
    // Events sit in the outbox (no Centrifugo): the oldest one's age is the lag.
    expect(get('neo_relay_lag_seconds')).toBeGreaterThan(0);
  }, 30_000); // 250 requests against PGlite: ~4 s on a quiet machine, more on a shared one

  it('exposes every metric the dashboard and alerts use, with a zero series per event type', async () => {
    await eventually(async () => {
      const { samples } = await scrape();
      expect(samples.some((s) => s.name === 'neo_centrifugo_api_errors_total' && s.labels.method === 'batch' && s.labels.kind === 'unreachable' && s.value > 0)).toBe(true);
    });
    const { text, samples } = await scrape();
    for (const name of [
      'neo_ingest_events_total',
      'neo_ingest_duration_seconds',
      'neo_ingest_failures_total',
      'neo_relay_lag_seconds',
      'neo_relay_batch_size',
      'neo_relay_batch_duration_seconds',
      'neo_relay_errors_total',
      'neo_centrifugo_api_errors_total',
      'neo_tokens_issued_total',
      'neo_tokens_refused_total',
      'neo_http_requests_total',
      'neo_http_request_duration_seconds',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    const types = new Set(samples.filter((s) => s.name === 'neo_ingest_events_total').map((s) => s.labels.type));
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
    expect(samples.some((s) => s.name === 'neo_relay_errors_total' && s.value > 0)).toBe(true);
  });

  it('the use-case document’s names: event sizes by type and events received by outcome, labels bounded', async () => {
    const sub = (planName: string) => ({ type: 'billing_subscription', tenantId: 'sizes', data: { status: 'active', planName } });
    // Two accepted events whose data is 34 and 123 bytes as JSON: one in the 100-byte bucket, one in the 250-byte one.
    expect((await ingest({ events: [sub('p'), sub('x'.repeat(90))] })).statusCode).toBe(202);
    // Refused: a batch with one invalid event (both counted as refused, by the types they claim) and an unknown type.
    expect((await ingest({ events: [sub('ok'), { type: 'billing_subscription', tenantId: 'sizes', data: { status: 'nope' } }] })).statusCode).toBe(400);
    expect((await ingest({ type: `made-up-${'z'.repeat(20)}`, tenantId: 'sizes', data: {} })).statusCode).toBe(400);
    const { samples } = await scrape();
    const one = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(JSON.stringify({ status: 'active', planName: 'p' }).length).toBe(34);
    expect(one('neo_event_size_bytes_count', { type: 'billing_subscription' })).toBe(2);
    expect(one('neo_event_size_bytes_sum', { type: 'billing_subscription' })).toBe(34 + 123);
    expect(one('neo_event_size_bytes_bucket', { type: 'billing_subscription', le: '100' })).toBe(1);
    expect(one('neo_event_size_bytes_bucket', { type: 'billing_subscription', le: '250' })).toBe(2);
    expect(one('neo_events_received_total', { type: 'billing_subscription', outcome: 'accepted' })).toBe(2);
    expect(one('neo_events_received_total', { type: 'billing_subscription', outcome: 'refused' })).toBe(2);
    expect(one('neo_events_received_total', { type: 'unknown', outcome: 'refused' })).toBe(1);
    // A made-up type never becomes a label value; every type label is the registry's or a fixed word.
    const typeLabels = new Set(samples.filter((s) => s.name.startsWith('neo_event')).map((s) => s.labels.type));
    for (const t of typeLabels) expect([...EVENT_TYPES, 'unknown', 'other', undefined]).toContain(t);
    expect(samples.some((s) => s.name === 'neo_relay_published_events_total')).toBe(true);
  });

  it('the PGlite database has no pool: its gauge is absent rather than made up', async () => {
    const { samples } = await scrape();
    expect(samples.filter((s) => s.name === 'neo_db_pool_connections')).toEqual([]);
  });

  describe('GET /v1/admin/top-tenants', () => {
    it('ranks tenants by events over the last 5 minutes, bounded by limit', async () => {
      // One tenant gets more events than the 50 above, so it must rank first.
      const r = await ingest({ events: Array.from({ length: 5 }, (_, i) => ({ type: 'billing_plan_change', tenantId: 'busy-tenant', data: { fromPlan: `p${i}`, toPlan: 'pro' } })) });
      expect(r.statusCode).toBe(202);
      const admin = await loginAs('admin@neo.test');
      const top = await app.inject({ url: '/v1/admin/top-tenants?limit=3', headers: { authorization: `Bearer ${admin}` } });
      expect(top.statusCode).toBe(200);
      const body = top.json();
      expect(body.windowSeconds).toBe(300);
      expect(body.tenants).toHaveLength(3);
      expect(body.tenants[0]).toEqual({ tenantId: 'busy-tenant', events: 5, perSecond: 5 / 300 });
      expect(body.tenants[1].events).toBe(3);
    });

    it('is for operators only, and refuses an unbounded limit', async () => {
      const ana = await loginAs('ana@acme.test');
      const denied = await app.inject({ url: '/v1/admin/top-tenants', headers: { authorization: `Bearer ${ana}` } });
      expect(denied.statusCode).toBe(403);
      expect(denied.json()).toMatchObject({ code: 'ERR_FORBIDDEN', reason: 'admin_only' });
      expect((await app.inject('/v1/admin/top-tenants')).statusCode).toBe(401);
      const admin = await loginAs('admin@neo.test');
      expect((await app.inject({ url: '/v1/admin/top-tenants?limit=100000', headers: { authorization: `Bearer ${admin}` } })).statusCode).toBe(400);
    });
  });
});
