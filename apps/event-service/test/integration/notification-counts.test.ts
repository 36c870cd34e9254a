import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { EventClient } from '@neo/publisher-sdk';
import { openDatabase } from '../../src/store/database';
import { MIGRATIONS } from '../../src/store/migrations';
import { queryNotifications } from '../../src/store/notification-store';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login, postJson } from '../helpers/client';

interface Item {
  id: string;
  read: boolean;
}

describe.each(DATABASE_KINDS)('kept unread counts on %s', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  let ana: string;
  let sofia: string;
  let admin: string;
  const get = async (path: string, token: string) => (await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
  /** Every notification the user sees, through the cursor, with its read state. */
  const listAll = async (tenant: string, token: string, unread = false) => {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/v1/tenants/${tenant}/notifications?limit=100${unread ? '&unread=true' : ''}${cursor ? `&cursor=${cursor}` : ''}`, token);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };
  const invoice = (tenantId: string, i: number) => ({ type: 'billing_invoice' as const, tenantId, data: { invoiceId: `C-${i}`, amount: i, currency: 'MXN' } });

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    service = await startTestService(centrifugo, db.env);
    [ana, sofia, admin] = (await Promise.all(['ana@acme.test', 'sofia@globex.test', 'admin@neo.test'].map((e) => login(service.url, e)))).map((r) => r.token) as [string, string, string];
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    await centrifugo?.stop();
  });

  it('stay exact while notifications arrive and are marked read, one by one and all at once, at the same time', async () => {
    const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
    // Requests with both tenants, in both orders: the counters are locked in one order whatever the request's.
    const ingest = Promise.all(Array.from({ length: 40 }, (_, i) => producer.publishBatch(i % 2 ? [invoice('acme', i), invoice('globex', i)] : [invoice('globex', i), invoice('acme', i)])));
    const reading = (async () => {
      for (let round = 0; round < 12; round++) {
        const page = await get('/v1/tenants/acme/notifications?limit=4&unread=true', ana);
        // The same one twice at once: counted once.
        await Promise.all(page.items.flatMap((n: Item) => [postJson(`${service.url}/v1/tenants/acme/notifications/${n.id}/read`, {}, ana), postJson(`${service.url}/v1/tenants/acme/notifications/${n.id}/read`, {}, ana)]));
        if (round % 5 === 4) await postJson(`${service.url}/v1/tenants/acme/notifications/read-all`, {}, ana);
      }
    })();
    await Promise.all([ingest, reading]);

    const seen = await listAll('acme', ana);
    expect(seen).toHaveLength(40);
    const unreadSeen = seen.filter((n) => !n.read).length;
    expect((await get('/v1/tenants/acme/notifications', ana)).unreadCount).toBe(unreadSeen);
    expect(await listAll('acme', ana, true)).toHaveLength(unreadSeen);
    // Another reader of the same tenant read nothing; another tenant's counter is its own.
    expect((await get('/v1/tenants/acme/notifications', admin)).unreadCount).toBe(40);
    expect((await get('/v1/tenants/globex/notifications', sofia)).unreadCount).toBe(40);
    // Read-all then one more: exactly one unread.
    expect((await postJson(`${service.url}/v1/tenants/acme/notifications/read-all`, {}, ana)).body).toEqual({ unreadCount: 0 });
    await producer.publish(invoice('acme', 99));
    expect((await get('/v1/tenants/acme/notifications', ana)).unreadCount).toBe(1);
  });
});

describe.each(DATABASE_KINDS)('migration 0191 on %s', (kind) => {
  let db: TestDatabase;
  afterAll(async () => db?.drop());

  it('backfills the counts from the read state stored before it', async () => {
    db = await createTestDatabase(kind);
    const before = MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.id.startsWith('0190')));
    const seed = `
      ${before.map((m) => m.sql).join(';\n')};
      create table schema_migrations (id text primary key, applied_at timestamptz not null default now());
      insert into schema_migrations (id) values ${before.map((m) => `('${m.id}')`).join(', ')};
      insert into notifications (id, tenant_id, type, details, created_at)
        select ('00000000-0000-7000-8000-' || lpad(i::text, 12, '0'))::uuid, case when i <= 10 then 'acme' else 'globex' end, 'billing_invoice', '{}', now()
        from generate_series(1, 13) i order by i;
      -- u1 read all up to the 4th, then the 2nd (under it: says nothing), the 7th and the 9th; u2 the 1st and 2nd.
      insert into notification_watermarks (user_id, tenant_id, read_all_before) values ('u1', 'acme', 4);
      insert into notification_reads (user_id, notification_id)
        select u, ('00000000-0000-7000-8000-' || lpad(i::text, 12, '0'))::uuid from (values ('u1', 2), ('u1', 7), ('u1', 9), ('u2', 1), ('u2', 2)) r(u, i);`;
    if (db.url) {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      await client.query(seed);
      await client.end();
    } else {
      const client = await PGlite.create(db.dataDir);
      await client.exec(seed);
      await client.close();
    }
    const database = await openDatabase({ url: db.url, dataDir: db.dataDir });
    try {
      const unread = async (userId: string, tenantId: string) => (await queryNotifications(database, { tenantId, userId, channel: `billing:${tenantId}`, limit: 20 })).unreadCount;
      expect(await unread('u1', 'acme')).toBe(4);
      expect(await unread('u2', 'acme')).toBe(8);
      expect(await unread('u3', 'acme')).toBe(10);
      expect(await unread('u1', 'globex')).toBe(3);
      expect((await database.rows<{ n: number | string }>(sql`select count(*) as n from notification_reads where user_id = 'u1'`))[0]!.n).toEqual(kind === 'postgres' ? '2' : 2);
    } finally {
      await database.close();
    }
  });
});
