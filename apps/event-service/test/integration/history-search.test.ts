import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeploymentPublisher, EventClient, MetricsPublisher } from '@neo/publisher-sdk';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login } from '../helpers/client';

interface Item {
  id: string;
  type: string;
  channel: string;
  tenantId?: string;
  data: Record<string, unknown>;
}

// Use case 6 as the document describes it: history by type and by user, and without a channel over every
// channel the caller may read, under the one policy, with an allowed twin for every denial.
describe.each(DATABASE_KINDS)('history search across channels on %s', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  const tokens: Record<string, string> = {};
  const get = async (query: string, who: string): Promise<{ status: number; body: { items: Item[]; nextCursor: string | null; position?: unknown; code?: string } }> => {
    const res = await fetch(`${service.url}/v1/history?${query}`, { headers: { authorization: `Bearer ${tokens[who]}` } });
    return { status: res.status, body: await res.json() };
  };
  /** Every item of a search, following the cursor. */
  const all = async (query: string, who: string, limit = 7): Promise<Item[]> => {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, who);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return items;
  };
  const channels = (items: Item[]) => [...new Set(items.map((i) => i.channel))].sort();
  const setPresence = (who: string, tenantId: string, status: string) =>
    fetch(`${service.url}/v1/tenants/${tenantId}/presence/me`, { method: 'PUT', headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' }, body: JSON.stringify({ status }) });

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    service = await startTestService(centrifugo, db.env);
    for (const [who, email] of [['ana', 'ana@acme.test'], ['luis', 'luis@acme.test'], ['sofia', 'sofia@globex.test'], ['admin', 'admin@neo.test']] as const) tokens[who] = (await login(service.url, email)).token;
    const client = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
    const deployments = new DeploymentPublisher(client);
    const metrics = new MetricsPublisher(client);
    const sample = { cpu: 10, memory: 20, disk: 30, networkIn: 1, networkOut: 2, uptime: 3 };
    await client.publishBatch([
      { type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: 'A-1', amount: 10, currency: 'MXN' } },
      { type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: 'A-2', amount: 20, currency: 'MXN' } },
      { type: 'billing_invoice', tenantId: 'globex', data: { invoiceId: 'G-1', amount: 30, currency: 'USD' } },
    ]);
    await deployments.publishStart('acme', 'h-ana-1', 'odoo', { requestedBy: 'u-ana', size: 'small' });
    await deployments.publishProgress('acme', 'h-ana-1', 50, 'Instalando');
    await deployments.publishStart('acme', 'h-luis-1', 'netbox', { requestedBy: 'u-luis' });
    await deployments.publishStart('globex', 'h-sofia-1', 'wazuh', { requestedBy: 'u-sofia' });
    await metrics.publishTenantMetrics('acme', 'h-ana-1', sample);
    await metrics.publishSystemMetrics(sample);
    await metrics.publishAlert('acme', { rule: 'queue_depth_high', severity: 'warning', message: 'Queue depth high', code: 'queue_depth_high' });
    await metrics.publishAlert(null, { rule: 'backup_failed', severity: 'critical', message: 'Backup failed' });
    for (const [who, tenant, status] of [['ana', 'acme', 'online'], ['luis', 'acme', 'busy'], ['ana', 'acme', 'busy'], ['sofia', 'globex', 'online']] as const) {
      expect((await setPresence(who, tenant, status)).status).toBe(200);
    }
    await service.app.relay.whenIdle();
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    await centrifugo?.stop();
  });

  it('without a channel, a member searches every channel the policy lets them read, each item naming its channel, newest first', async () => {
    const items = await all('', 'ana');
    expect(channels(items)).toEqual(['alerts:acme', 'billing:acme', 'deployments:acme', 'metrics:acme', 'presence:acme']);
    expect(items.every((i) => i.tenantId === 'acme' && i.channel === `${i.channel.split(':')[0]}:acme`)).toBe(true);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    // Newest first across channels: the last presence update came after the first invoice.
    const at = (pred: (i: Item) => boolean) => items.findIndex(pred);
    expect(at((i) => i.type === 'presence_update')).toBeLessThan(at((i) => i.data.invoiceId === 'A-1'));
    expect(at((i) => i.data.invoiceId === 'A-2')).toBeLessThan(at((i) => i.data.invoiceId === 'A-1'));
    // One page gives no channel's stream position: there is none for several channels.
    expect((await get('limit=5', 'ana')).body.position).toBeUndefined();
  });

  it('never an event of a channel the caller may not read: luis (no billing:read, no alerts:read) against ana, his allowed twin', async () => {
    const luis = await all('', 'luis');
    expect(channels(luis)).toEqual(['deployments:acme', 'metrics:acme', 'presence:acme']);
    expect((await all('type=billing_invoice', 'luis'))).toEqual([]);
    expect((await all('q=A-1', 'luis'))).toEqual([]);
    expect((await all('type=billing_invoice', 'ana')).map((i) => i.data.invoiceId)).toEqual(['A-2', 'A-1']);
    expect((await all('q=A-1', 'ana')).map((i) => i.data.invoiceId)).toEqual(['A-1']);
    // The same channel named explicitly is refused as before.
    expect(await get('channel=billing:acme', 'luis')).toMatchObject({ status: 403, body: { reason: 'missing_permission' } });
  });

  it('another tenant’s events never appear; an operator sees every tenant and the platform', async () => {
    const sofia = await all('', 'sofia');
    expect(channels(sofia)).toEqual(['billing:globex', 'deployments:globex', 'presence:globex']);
    expect(await all('userId=u-ana', 'sofia')).toEqual([]);
    expect(await all('q=A-1', 'sofia')).toEqual([]);
    const admin = await all('', 'admin', 50);
    expect(channels(admin)).toEqual(expect.arrayContaining(['admin:alerts', 'admin:metrics', 'billing:acme', 'billing:globex', 'presence:acme', 'presence:globex']));
    expect((await all('type=billing_invoice', 'admin')).map((i) => i.data.invoiceId)).toEqual(['G-1', 'A-2', 'A-1']);
    expect((await all('type=alert', 'admin')).map((i) => i.channel)).toEqual(['admin:alerts', 'alerts:acme']);
  });

  it('type= keeps the named event types, over one channel or all', async () => {
    const both = await all('type=deployment_start,presence_update', 'ana');
    expect([...new Set(both.map((i) => i.type))].sort()).toEqual(['deployment_start', 'presence_update']);
    expect(both.filter((i) => i.type === 'deployment_start').map((i) => i.data.deploymentId)).toEqual(['h-luis-1', 'h-ana-1']);
    expect((await all('channel=deployments:acme&type=deployment_progress', 'ana')).map((i) => i.data.deploymentId)).toEqual(['h-ana-1']);
    // A type of another topic in a named channel simply matches nothing.
    expect(await all('channel=deployments:acme&type=billing_invoice', 'ana')).toEqual([]);
  });

  it('userId= keeps the events about or by that user: their presence and the deployments they asked for', async () => {
    const ana = await all('userId=u-ana', 'luis');
    expect(ana.map((i) => `${i.type}:${i.data.status ?? i.data.deploymentId}`)).toEqual(['presence_update:busy', 'presence_update:online', 'deployment_start:h-ana-1']);
    expect((await all('userId=u-luis&type=deployment_start', 'ana')).map((i) => i.data.deploymentId)).toEqual(['h-luis-1']);
    expect((await all('channel=presence:acme&userId=u-luis', 'ana')).map((i) => i.data.status)).toEqual(['busy']);
    // An operator finds a user of any tenant; nobody is found by a user id that names no event.
    expect((await all('userId=u-sofia', 'admin')).map((i) => i.type).sort()).toEqual(['deployment_start', 'presence_update']);
    expect(await all('userId=u-nobody', 'admin')).toEqual([]);
  });

  it('pages over several channels with the cursor, each event once', async () => {
    const whole = await all('', 'ana', 50);
    const paged = await all('', 'ana', 2);
    expect(paged.map((i) => i.id)).toEqual(whole.map((i) => i.id));
  });
});
