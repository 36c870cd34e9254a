import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { EventClient } from '@neo/publisher-sdk';
import { historyPageSchema } from '@neo/contracts';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login } from '../helpers/client';
import { eventually } from '../helpers/wait';
import { deleteExpiredEvents } from '../../src/store/event-store';

describe.each(DATABASE_KINDS)('history API on %s', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  let ana: string;
  let sofia: string;
  let luis: string;
  const get = async (query: string, token = ana) => {
    const res = await fetch(`${service.url}/v1/history?${query}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json(), type: res.headers.get('content-type') };
  };

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    service = await startTestService(centrifugo, db.env);
    [ana, sofia, luis] = (await Promise.all(['ana@acme.test', 'sofia@globex.test', 'luis@acme.test'].map((e) => login(service.url, e)))).map((r) => r.token) as [string, string, string];
    const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
    const base = Date.parse('2026-03-01T00:00:00Z');
    await producer.publishBatch(Array.from({ length: 25 }, (_, i) => ({
      type: 'billing_invoice' as const,
      tenantId: 'acme',
      timestamp: new Date(base + i * 86_400_000).toISOString(),
      data: { invoiceId: `INV-${1000 + i}`, amount: 100 + i, currency: 'MXN', message: i % 5 === 0 ? 'Factura trimestral de almacenamiento' : 'Factura mensual' },
    })));
    await producer.publish({ type: 'billing_invoice', tenantId: 'globex', data: { invoiceId: 'GLOBEX-1', amount: 1, currency: 'USD', message: 'almacenamiento globex' } });
    await service.app.relay.whenIdle();
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    await centrifugo?.stop();
  });

  it('pages newest first with an opaque cursor, and gives the stream position on the first page', async () => {
    const first = await get('channel=billing:acme&limit=10');
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { data: { invoiceId: string } }) => e.data.invoiceId)).toEqual(Array.from({ length: 10 }, (_, i) => `INV-${1024 - i}`));
    expect(first.body.position).toMatchObject({ offset: 25, epoch: expect.any(String) });
    const seen = [...first.body.items];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const page = await get(`channel=billing:acme&limit=10&cursor=${cursor}`);
      expect(page.body.position).toBeUndefined();
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen.map((e) => e.id)).size).toBe(25);
    expect(seen.every((e) => e.tenantId === 'acme')).toBe(true);
  });

  it('searches the content with Postgres full-text search', async () => {
    const r = await get('channel=billing:acme&q=trimestral almacenamiento');
    expect(r.body.items.map((e: { data: { invoiceId: string } }) => e.data.invoiceId).sort()).toEqual(['INV-1000', 'INV-1005', 'INV-1010', 'INV-1015', 'INV-1020']);
    expect((await get('channel=billing:acme&q=INV-1007')).body.items).toHaveLength(1);
    expect((await get('channel=billing:acme&q=globex')).body.items).toHaveLength(0);
  });

  it('filters by date range', async () => {
    const r = await get('channel=billing:acme&from=2026-03-03&to=2026-03-05T00:00:00Z');
    expect(r.body.items.map((e: { data: { invoiceId: string } }) => e.data.invoiceId)).toEqual(['INV-1004', 'INV-1003', 'INV-1002']);
  });

  it('returns what a reconnecting client missed, oldest first, by stream sequence', async () => {
    const r = await get('channel=billing:acme&afterSeq=20&limit=100');
    expect(r.body.items.map((e: { seq: number }) => e.seq)).toEqual([21, 22, 23, 24, 25]);
  });

  it("answers every kind of page in the contract's shape, with the timestamps as ingested", async () => {
    // The route writes its 200 answers without running them through the schema (builtAnswerSerializer):
    // this is where an answer that drifts from the contract (a key too many, a wrong type) is caught.
    const base = Date.parse('2026-03-01T00:00:00Z');
    for (const query of ['channel=billing:acme&afterSeq=0&limit=200', 'channel=billing:acme&q=factura', 'channel=billing:acme&limit=10', 'channel=billing:acme&from=2026-03-03&to=2026-03-05T00:00:00Z', 'q=factura', 'type=billing_invoice']) {
      const r = await get(query);
      expect(r.status, query).toBe(200);
      const page = historyPageSchema.parse(r.body);
      expect(page.items.length, query).toBeGreaterThan(0);
      for (const item of page.items) {
        const n = Number((item.data as { invoiceId: string }).invoiceId.slice(4)) - 1000;
        expect(item.timestamp, query).toBe(new Date(base + n * 86_400_000).toISOString());
      }
    }
  });

  it.each([
    ['a malformed cursor', 'channel=billing:acme&cursor=bm9wZQ', 'ERR_INVALID_CURSOR'],
    ['a malformed date', 'channel=billing:acme&from=yesterday', 'ERR_VALIDATION'],
    ['from after to', 'channel=billing:acme&from=2026-04-01&to=2026-03-01', 'ERR_VALIDATION'],
    ['a query over the length limit', `channel=billing:acme&q=${'a'.repeat(201)}`, 'ERR_VALIDATION'],
    ['a limit out of range', 'channel=billing:acme&limit=1000', 'ERR_VALIDATION'],
    ['a malformed channel', 'channel=billing:acme:x', 'ERR_INVALID_CHANNEL'],
    ['catch-up without a channel', 'afterSeq=3', 'ERR_VALIDATION'],
    ['an unknown event type', 'type=billing_invoice,billing_refund', 'ERR_VALIDATION'],
    ['an empty event type', 'type=', 'ERR_VALIDATION'],
    ['a user id with a space', 'userId=u%20ana', 'ERR_VALIDATION'],
    ['a user id that is not ASCII', 'userId=an%C3%A1', 'ERR_VALIDATION'],
    ['a user id over 200 characters', `userId=${'u'.repeat(201)}`, 'ERR_VALIDATION'],
    ['a malformed cursor without a channel', 'cursor=bm9wZQ', 'ERR_INVALID_CURSOR'],
  ])('400 for %s', async (_label, query, code) => {
    const r = await get(query);
    expect(r.status).toBe(400);
    expect(r.type).toContain('application/problem+json');
    expect(r.body.code).toBe(code);
  });

  it('403 for a channel the caller may not read, through the one policy', async () => {
    expect(await get('channel=billing:acme', sofia)).toMatchObject({ status: 403, body: { reason: 'not_tenant_member' } });
    expect(await get('channel=billing:acme', luis)).toMatchObject({ status: 403, body: { reason: 'missing_permission' } });
    expect(await get('channel=admin:metrics', ana)).toMatchObject({ status: 403, body: { reason: 'admin_only' } });
    expect((await get('channel=billing:globex', sofia)).body.items).toHaveLength(1);
  });

  it('retention deletes the events older than the retention period', async () => {
    const database = service.app.database;
    await database.db.execute(sql`update events set created_at = now() - interval '40 days' where data->>'invoiceId' in ('INV-1000', 'INV-1001')`);
    const deleted = await deleteExpiredEvents(database, new Date(Date.now() - 30 * 86_400_000));
    expect(deleted).toBe(2);
    await eventually(async () => expect((await get('channel=billing:acme&q=INV-1000')).body.items).toHaveLength(0));
    expect((await get('channel=billing:acme&limit=200')).body.items).toHaveLength(23);
  });
});
