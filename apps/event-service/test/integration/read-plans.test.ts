import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/database';
import { HISTORY_WINDOW, historyOlder, historyPage, historyWindow, queryHistory, type HistoryQuery } from '../../src/store/history-store';
import { markRead, notificationPage, queryNotifications } from '../../src/store/notification-store';
import { deploymentDurations, deploymentsPage } from '../../src/store/deployment-store';
import { runRead, type ReadStatement } from '../../src/store/read-statement';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { explainRead, indexesUsed, unboundedWork, type PlanNode } from '../helpers/plans';
import { HISTORY_WORDS, historyDataStatements } from '../../../../scripts/lib/history-data.mjs';

const CHANNEL = 'billing:acme';
/** A user with five presence updates, all older than every other event. */
const RARE_USER = 'u-rare';
const LARGE = ['events', 'notifications', 'deployments'];
/** Events of the channel: enough that reading all of it is 40–100× what a bounded read may touch. */
const SIZE = { postgres: 200_000, pglite: 100_000 } as const;
/** Newest rows of other channels and another tenant, written after the channel's (see history-data.mjs). */
const TRAILING = 30_000;

/**
 * The hot reads at scale, EXPLAINed exactly as the store runs them (same builders, same transaction
 * settings): none may scan a large table, sort more than it returns, or read more rows than its page,
 * window or matches need. Postgres is checked before and after ANALYZE (a table's new rows have no
 * statistics until autovacuum gets to them; production has them most of the time); PGlite never has any.
 */
describe.each(DATABASE_KINDS)('read plans at scale on %s', (kind) => {
  let db: TestDatabase;
  let database: Database;
  const n = SIZE[kind];
  const q = (over: Partial<HistoryQuery> = {}): HistoryQuery => ({ channel: CHANNEL, limit: 51, ...over });
  /** An operator's search without a channel: every stored event. */
  const everywhere = (over: Partial<HistoryQuery> = {}): HistoryQuery => ({ limit: 51, ...over });
  const tsOf = async (invoiceId: string) =>
    new Date((await database.rows<{ ts: string | Date }>(sql`select ts from events where channel = ${CHANNEL} and data->>'invoiceId' = ${invoiceId}`))[0]!.ts).toISOString();
  const invoiceIds = (events: Array<{ envelope: unknown }>) => events.map((e) => (e.envelope as { data: { invoiceId: string } }).data.invoiceId);
  const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => `INV-${from - i}`);

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    database = await openDatabase({ url: db.url, dataDir: db.dataDir });
    // The oldest rows, under everything else: events that only the second step of a search can reach
    // (a user's presence updates, a rare type), so their index lookups are EXPLAINed at scale too.
    await database.db.execute(sql`
      insert into events (id, type, tenant_id, channel, data, ts, seq)
      select gen_random_uuid(), 'presence_update', 'acme', 'presence:acme',
             jsonb_build_object('userId', ${RARE_USER}::text, 'userName', 'Rara', 'status', 'online', 'lastSeen', '2026-01-01T00:00:00.000Z'),
             now() - interval '40 days', i
      from generate_series(1, 5) i`);
    await database.db.execute(sql`
      insert into events (id, type, tenant_id, channel, data, ts, seq)
      select gen_random_uuid(), 'billing_payment', 'initech', 'billing:initech',
             jsonb_build_object('paymentId', 'PAY-' || i, 'status', 'approved'), now() - interval '40 days', i
      from generate_series(1, 3) i`);
    const statements = historyDataStatements({ events: n, trailing: TRAILING }) as string[];
    if (db.url) {
      // Straight to the server: the service's pool gives a statement 10 s, a 200,000-row insert needs more here.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      for (const s of statements) await client.query(s);
      await client.end();
    } else {
      for (const s of statements) await database.db.execute(sql.raw(s));
    }
    // A reader who marked two read (the unread walk skips one of them).
    for (const id of ['INV-10', `INV-${n - 5}`]) {
      const [row] = await database.rows<{ id: string }>(sql`select id from notifications where tenant_id = 'acme' and details->>'invoiceId' = ${id}`);
      await markRead(database, 'acme', 'ana', row!.id);
    }
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  /** The window's last row for a query: where step 2 (historyOlder) starts. */
  const edgeOf = async (query: HistoryQuery) => {
    const rows = await runRead<{ pos: string | number; edge: boolean }>(database, historyWindow(query));
    return Number(rows.find((r) => r.edge)!.pos);
  };

  const cases = (): Array<[string, () => Promise<ReadStatement>, { maxRead: number; maxSorted: number; index?: string }]> => [
    ['first page', async () => historyPage(q()), { maxRead: 51, maxSorted: 0, index: 'events_channel_pos_idx' }],
    ['a page deep in the channel', async () => historyPage(q({ beforePos: Math.floor(n / 3) })), { maxRead: 51, maxSorted: 0, index: 'events_channel_pos_idx' }],
    // A window reads one row past its page: the window function looks one ahead.
    ['common word: the window walk stops at the page', async () => historyWindow(q({ q: HISTORY_WORDS.common })), { maxRead: 52, maxSorted: 0 }],
    ['rare word: the window', async () => historyWindow(q({ q: HISTORY_WORDS.rare })), { maxRead: HISTORY_WINDOW, maxSorted: 0 }],
    ['rare word: its older matches through GIN', async () => historyOlder(q({ q: HISTORY_WORDS.rare }), await edgeOf(q({ q: HISTORY_WORDS.rare }))), { maxRead: 60, maxSorted: 10, index: 'events_search_idx' }],
    // One invoice in 200 holds it: step 2 reads all its older matches, n / 200 (documented in BENCHMARKS.md).
    ['medium word: its older matches through GIN', async () => historyOlder(q({ q: HISTORY_WORDS.medium }), await edgeOf(q({ q: HISTORY_WORDS.medium }))), { maxRead: n / 200 + 51, maxSorted: n / 200, index: 'events_search_idx' }],
    ['date range covering everything', async () => historyWindow(q({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' })), { maxRead: 52, maxSorted: 0 }],
    ['old narrow range: the window', async () => historyWindow(q({ from: await tsOf('INV-1000'), to: await tsOf('INV-1100') })), { maxRead: HISTORY_WINDOW, maxSorted: 0 }],
    [
      'old narrow range: its rows through (channel, ts, pos)',
      async () => {
        const query = q({ from: await tsOf('INV-1000'), to: await tsOf('INV-1100') });
        return historyOlder(query, await edgeOf(query));
      },
      { maxRead: 101 + 51, maxSorted: 101, index: 'events_channel_ts_pos_idx' },
    ],
    // Issue 16: by type and by user, and an operator's search without a channel (members search their
    // channels one by one with the statements above).
    ['a type in one channel: the window walk stops at the page', async () => historyWindow(q({ types: ['billing_invoice'] })), { maxRead: 52, maxSorted: 0 }],
    ['every channel: first page off the global pos index', async () => historyPage(everywhere()), { maxRead: 51, maxSorted: 0, index: 'events_pos_key' }],
    ['every channel: a page deep down', async () => historyPage(everywhere({ beforePos: Math.floor(n / 2) })), { maxRead: 51, maxSorted: 0, index: 'events_pos_key' }],
    ['every channel: rare word, the window', async () => historyWindow(everywhere({ q: HISTORY_WORDS.rare })), { maxRead: HISTORY_WINDOW, maxSorted: 0, index: 'events_pos_key' }],
    ['every channel: rare word, its older matches through GIN', async () => historyOlder(everywhere({ q: HISTORY_WORDS.rare }), await edgeOf(everywhere({ q: HISTORY_WORDS.rare }))), { maxRead: 60, maxSorted: 10, index: 'events_search_idx' }],
    ['a user: older events through events_subject_pos_idx', async () => historyOlder(everywhere({ userId: RARE_USER }), await edgeOf(everywhere({ userId: RARE_USER }))), { maxRead: 5 + 51, maxSorted: 5, index: 'events_subject_pos_idx' }],
    ['a rare type: older events through GIN', async () => historyOlder(everywhere({ types: ['billing_payment'] }), await edgeOf(everywhere({ types: ['billing_payment'] }))), { maxRead: 3 + 51, maxSorted: 3, index: 'events_search_idx' }],
    [
      'every channel: an old narrow range through (channel, ts, pos) of each streamed channel',
      async () => {
        const query = everywhere({ from: await tsOf('INV-1000'), to: await tsOf('INV-1100') });
        return historyOlder(query, await edgeOf(query));
      },
      // The channel's 101 invoices, the other channel's events of those minutes (one per ten), the page.
      { maxRead: 101 + 11 + 51, maxSorted: 112, index: 'events_channel_ts_pos_idx' },
    ],
    ['notifications', async () => notificationPage({ tenantId: 'acme', userId: 'ana', channel: CHANNEL, limit: 20 }), { maxRead: 21, maxSorted: 21, index: 'notifications_tenant_nseq_asc_idx' }],
    ['unread notifications', async () => notificationPage({ tenantId: 'acme', userId: 'ana', channel: CHANNEL, limit: 20, unread: true }), { maxRead: 22, maxSorted: 21, index: 'notifications_tenant_nseq_asc_idx' }],
    ['notifications of one type', async () => notificationPage({ tenantId: 'acme', userId: 'ana', channel: CHANNEL, limit: 20, type: 'billing_invoice' }), { maxRead: 21, maxSorted: 21, index: 'notifications_tenant_type_nseq_idx' }],
    ['deployments', async () => deploymentsPage('acme', 'deployments:acme', 50), { maxRead: 50, maxSorted: 50, index: 'deployments_tenant_started_id_idx' }],
    ['deployment durations for the ETA: 20 of each instance type', async () => deploymentDurations('acme', 20), { maxRead: 60, maxSorted: 0, index: 'deployments_eta_idx' }],
  ];

  const checkAll = async () => {
    for (const [label, statement, bound] of cases()) {
      const plan = await explainRead(database, await statement());
      expect.soft(unboundedWork(plan, { tables: LARGE, ...bound }), label).toEqual([]);
      if (bound.index) expect.soft(indexesUsed(plan), label).toContain(bound.index);
    }
  };

  it(`every hot read is bounded by what it returns${kind === 'postgres' ? ', before statistics' : ' (PGlite keeps no statistics)'}`, checkAll);

  it.runIf(kind === 'postgres')('every hot read is bounded by what it returns, after VACUUM ANALYZE', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('vacuum analyze');
    await client.end();
    await checkAll();
  });

  it('the check fails the query it replaced (a search for a common word, as the planner chose its plan)', async () => {
    const [row] = await database.rows<{ 'QUERY PLAN': unknown }>(sql`
      explain (analyze, format json) select pos, id, type, tenant_id, data, ts, seq from events
      where channel = ${CHANNEL} and search @@ plainto_tsquery('simple', ${HISTORY_WORDS.common}) order by pos desc limit 51`);
    const doc = row!['QUERY PLAN'];
    const plan = ((typeof doc === 'string' ? JSON.parse(doc) : doc) as Array<{ Plan: PlanNode }>)[0]!.Plan;
    expect(unboundedWork(plan, { tables: LARGE, maxRead: 52, maxSorted: 0 })).not.toEqual([]);
  });

  it('answers right at scale: search and ranges across the window, cursor pages, kept unread count', async () => {
    const common = await queryHistory(database, q({ q: HISTORY_WORDS.common, limit: 50 }));
    expect(invoiceIds(common)).toEqual(range(n, n - 49));
    expect(invoiceIds(await queryHistory(database, q({ q: HISTORY_WORDS.rare, limit: 50 })))).toEqual([...(n > 100_007 ? ['INV-100007'] : []), 'INV-7']);
    // 10 matches in the window, the rest from step 2, and the next page from a cursor below both.
    const medium = (b: number) => Array.from({ length: 30 }, (_, i) => `INV-${b - 200 * i}`);
    const first = await queryHistory(database, q({ q: HISTORY_WORDS.medium, limit: 30 }));
    expect(invoiceIds(first)).toEqual(medium(n - 197));
    const second = await queryHistory(database, q({ q: HISTORY_WORDS.medium, limit: 30, beforePos: first[29]!.pos }));
    expect(invoiceIds(second)).toEqual(medium(n - 197 - 30 * 200));
    const old = q({ from: await tsOf('INV-1000'), to: await tsOf('INV-1100'), limit: 60 });
    const oldPage = await queryHistory(database, old);
    expect(invoiceIds(oldPage)).toEqual(range(1100, 1041));
    expect(invoiceIds(await queryHistory(database, { ...old, beforePos: oldPage[59]!.pos }))).toEqual(range(1040, 1000));
    // Issue 16's shapes answer right too: a user's and a rare type's events below the window, over every channel.
    expect((await queryHistory(database, everywhere({ userId: RARE_USER }))).map((e) => e.channel)).toEqual(Array(5).fill('presence:acme'));
    expect((await queryHistory(database, everywhere({ types: ['billing_payment'] }))).map((e) => (e.envelope.data as { paymentId: string }).paymentId)).toEqual(['PAY-3', 'PAY-2', 'PAY-1']);
    expect(invoiceIds(await queryHistory(database, everywhere({ from: await tsOf('INV-1000'), to: await tsOf('INV-1002'), types: ['billing_invoice'] })))).toEqual(range(1002, 1000));
    const page = await queryNotifications(database, { tenantId: 'acme', userId: 'ana', channel: CHANNEL, limit: 20, unread: true });
    expect(page.unreadCount).toBe(n - 2);
    expect(page.items.map((i) => i.details.invoiceId)).toEqual([...range(n, n - 4), ...range(n - 6, n - 20)]);
    expect(page.items.every((i) => !i.read)).toBe(true);
  });
});
