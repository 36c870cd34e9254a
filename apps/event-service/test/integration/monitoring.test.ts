import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicationContext } from 'centrifuge';
import { EventClient } from '@neo/publisher-sdk';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login, realtimeClient, subscriptionTokenFrom } from '../helpers/client';
import { eventually } from '../helpers/wait';
import { sql } from 'drizzle-orm';
import { MetricsPublisher } from '@neo/publisher-sdk';

describe.each(DATABASE_KINDS)('tenant metrics and alerts on %s', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  const tokens: Record<string, string> = {};
  const get = async (path: string, who: string) => {
    const res = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${tokens[who]}` } });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    service = await startTestService(centrifugo, { ...db.env, TENANT_ALERT_FOR_SECONDS: '30', INSTANCE_WATCH_MS: '100' });
    for (const [who, email] of [['ana', 'ana@acme.test'], ['sofia', 'sofia@globex.test'], ['admin', 'admin@neo.test'], ['luis', 'luis@acme.test']] as const) tokens[who] = (await login(service.url, email)).token;
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    await centrifugo?.stop();
  });

  it('a metric over the threshold for the rule duration opens ONE alert, updated while open, and its recovery resolves it', async () => {
    const client = realtimeClient(centrifugo.wsUrl, service.url, tokens.ana!);
    const sub = client.newSubscription('alerts:acme', { getToken: subscriptionTokenFrom(service.url, tokens.ana!) });
    const seen: Array<{ state: string; severity: string; alertId: string; code?: string; params?: Record<string, number>; message: string }> = [];
    sub.on('publication', (ctx: PublicationContext) => seen.push(ctx.data.data));
    client.connect();
    sub.subscribe();
    await sub.ready(30_000);
    try {
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
      const t0 = Date.parse('2026-11-01T10:00:00Z');
      const sample = (s: number, cpu: number) => ({ type: 'metrics_update' as const, tenantId: 'acme', timestamp: new Date(t0 + s * 1000).toISOString(), data: { instanceId: 'odoo-1', cpu, memory: 40, disk: 30, networkIn: 1000, networkOut: 2000, uptime: 100 + s } });
      // Over 80 % from t=0; the rule holds 30 s, so the alert opens at t=30 and not before.
      for (const [s, cpu] of [[0, 85], [10, 86], [20, 88], [30, 90], [40, 97], [50, 96], [60, 70], [70, 60]] as const) await producer.publish(sample(s, cpu));
      await eventually(() => expect(seen.map((a) => `${a.state}:${a.severity}`)).toEqual(['open:warning', 'updated:critical', 'resolved:critical']));
      expect(new Set(seen.map((a) => a.alertId)).size).toBe(1);
      // The text travels as a code and parameters for the reader's language; `message` is an English fallback.
      expect(seen.map((a) => [a.code, a.params])).toEqual([['instance_cpu_high', { value: 90, threshold: 80 }], ['instance_cpu_high', { value: 97, threshold: 95 }], ['instance_cpu_high', { value: 70, threshold: 80 }]]);
      expect(seen[0]!.message).toBe('Instance CPU at 90.0 % (threshold 80 %)');
      const all = await get('/v1/tenants/acme/alerts?state=all', 'ana');
      expect(all.status).toBe(200);
      expect(all.body.items).toHaveLength(1);
      expect(all.body.items[0]).toMatchObject({ state: 'resolved', severity: 'critical', instanceId: 'odoo-1', rule: 'instance_cpu_high', code: 'instance_cpu_high', params: { value: 70, threshold: 80 }, resolvedAt: expect.any(String) });
      expect((await get('/v1/tenants/acme/alerts', 'ana')).body.items).toHaveLength(0);
      const instances = await get('/v1/tenants/acme/metrics/instances', 'ana');
      expect(instances.body.instances).toEqual([expect.objectContaining({ instanceId: 'odoo-1', instanceType: null, cpu: 60 })]);
    } finally {
      client.disconnect();
    }
  });

  it('an instance that stops reporting is announced stale, then offline, live and once; its next sample brings it back', async () => {
    const client = realtimeClient(centrifugo.wsUrl, service.url, tokens.luis!);
    const sub = client.newSubscription('metrics:acme', { getToken: subscriptionTokenFrom(service.url, tokens.luis!) });
    const statuses: string[] = [];
    sub.on('publication', (ctx: PublicationContext) => {
      if (ctx.data.type === 'instance_status' && ctx.data.data.instanceId === 'w-1') statuses.push(ctx.data.data.status);
    });
    client.connect();
    sub.subscribe();
    await sub.ready(30_000);
    try {
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
      const metrics = new MetricsPublisher(producer);
      const now = Date.now();
      const figures = { cpu: 20, memory: 30, disk: 40, networkIn: 1, networkOut: 2, uptime: 60 };
      // Every 5 s: the interval it learns, so it is stale after 15 s of silence and offline after 60 s.
      for (const ago of [10_000, 5_000, 0]) await producer.publish({ type: 'metrics_update', tenantId: 'acme', timestamp: new Date(now - ago).toISOString(), data: { instanceId: 'w-1', ...figures } });
      const w1 = async () => (await get('/v1/tenants/acme/metrics/instances', 'ana')).body;
      expect((await w1()).instances.find((i: { instanceId: string }) => i.instanceId === 'w-1')).toMatchObject({ status: 'online', intervalMs: 5000, receivedAt: expect.any(String) });
      const activeBefore = (await w1()).activeInstances;
      const overviewActive = async () => (await get('/v1/admin/tenants/overview', 'admin')).body.tenants.find((t: { tenantId: string }) => t.tenantId === 'acme').activeInstances;
      expect(await overviewActive()).toBe(activeBefore);

      // Silence, as the database's clock sees it: its latest sample arrived 20 s ago, then 70 s ago.
      const silence = (seconds: number) => service.app.database.db.execute(sql`update instance_metrics set received_at = now() - ${seconds} * interval '1 second' where instance_id = 'w-1'`);
      await silence(20);
      await eventually(() => expect(statuses).toEqual(['stale']));
      const stale = await w1();
      expect(stale.instances.find((i: { instanceId: string }) => i.instanceId === 'w-1').status).toBe('stale');
      expect(stale.activeInstances).toBe(activeBefore - 1);
      expect(await overviewActive()).toBe(activeBefore - 1);
      await silence(70);
      await eventually(() => expect(statuses).toEqual(['stale', 'offline']));
      expect((await w1()).instances.find((i: { instanceId: string }) => i.instanceId === 'w-1').status).toBe('offline');

      await metrics.publishTenantMetrics('acme', 'w-1', figures);
      await eventually(() => expect(statuses).toEqual(['stale', 'offline', 'online']));
      expect((await w1()).instances.find((i: { instanceId: string }) => i.instanceId === 'w-1')).toMatchObject({ status: 'online' });
      // Announced once each, although the watcher looked every 100 ms: the history holds exactly these three.
      const history = await get('/v1/history?channel=metrics:acme&type=instance_status&limit=50', 'ana');
      expect(history.body.items.filter((e: { data: { instanceId: string } }) => e.data.instanceId === 'w-1').map((e: { data: { status: string } }) => e.data.status)).toEqual(['online', 'offline', 'stale']);
    } finally {
      client.disconnect();
    }
  });

  it('platform alerts and the tenants overview are for operators only', async () => {
    expect((await get('/v1/admin/alerts', 'ana')).status).toBe(403);
    expect((await get('/v1/admin/tenants/overview', 'ana')).body).toMatchObject({ status: 403, reason: 'admin_only' });
    const overview = await get('/v1/admin/tenants/overview', 'admin');
    expect(overview.status).toBe(200);
    expect(overview.body.tenants.map((t: { tenantId: string }) => t.tenantId)).toEqual(expect.arrayContaining(['acme', 'globex']));
    expect(overview.body.tenants.find((t: { tenantId: string }) => t.tenantId === 'acme')).toMatchObject({ openAlerts: 0, activeDeployments: 0, onlineUsers: expect.any(Number) });
    expect((await get('/v1/admin/alerts?state=all', 'admin')).status).toBe(200);
  });

  it('another tenant, or a member without the permission, is refused', async () => {
    expect(await get('/v1/tenants/acme/alerts', 'sofia')).toMatchObject({ status: 403, body: { reason: 'not_tenant_member' } });
    expect(await get('/v1/tenants/acme/metrics/instances', 'sofia')).toMatchObject({ status: 403, body: { reason: 'not_tenant_member' } });
    expect(await get('/v1/tenants/acme/alerts', 'luis')).toMatchObject({ status: 403, body: { reason: 'missing_permission' } });
    expect((await get('/v1/tenants/acme/alerts?state=maybe', 'ana')).status).toBe(400);
  });
});
