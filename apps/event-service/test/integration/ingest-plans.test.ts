import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { uuidv7 } from '@neo/contracts';
import { openDatabase, type Database } from '../../src/store/database';
import { validateInternal } from '../../src/pipeline/validate';
import { appendEvents, outboxHasEarlier, removeFromOutbox, storedIds } from '../../src/store/event-store';
import { rowsOf } from '../../src/store/sql';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/database';

// The ingest path's statements are named prepared statements: after a few runs PostgreSQL may keep ONE
// generic plan for them, made from the statistics of that moment — on a new database, of near-empty
// tables — and keep it until the tables are analyzed. The append once had such a plan: its "not stored
// yet" check became a hash anti-join over a sequential scan of `events`, and every append read the whole
// table (BENCHMARKS.md, night of 2026-12-02). Forced to their generic plans, these statements must read
// `events` and `outbox` by index only. (PostgreSQL only: PGlite keeps no plans across statements.)
describe.runIf(postgresAvailable || process.env.CI === 'true')('ingest statements, generic plans, on postgres', () => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  // The backend's scans not yet reported (this transaction's, and possibly earlier ones' on the same
  // connection: PostgreSQL 15 flushes them when the backend has been idle a while), before and after.
  type Counts = Record<string, { sequential: number; index: number }>;
  const scanCounts = async (tx: Pick<Database['db'], 'execute'>): Promise<Counts> => {
    const rows = rowsOf<{ relname: string; seq_scan: number | string; idx_scan: number | string | null }>(
      await tx.execute(sql`select relname, seq_scan, idx_scan from pg_stat_xact_user_tables where relname in ('events', 'outbox')`),
    );
    return Object.fromEntries(rows.map((r) => [r.relname, { sequential: Number(r.seq_scan), index: Number(r.idx_scan ?? 0) }]));
  };
  const since = (a: Counts, b: Counts): Counts =>
    Object.fromEntries(Object.entries(b).map(([t, c]) => [t, { sequential: c.sequential - (a[t]?.sequential ?? 0), index: c.index - (a[t]?.index ?? 0) }]));

  const events = (n: number) =>
    validateInternal(Array.from({ length: n }, (_, i) => ({ id: uuidv7(), type: 'metrics_update' as const, tenantId: 'acme', data: { instanceId: `plan-${i % 7}`, cpu: 1, memory: 1, disk: 1, networkIn: i, networkOut: 1, uptime: 1 } })));

  it('on a connection whose plans were made while the tables were empty, the append, the stored-ids lookup, the outbox check and the outbox removal read events and outbox by index only', async () => {
    // One connection, its plans forced generic: made at the first run, on the new database's empty
    // tables, and kept (nothing analyzes the tables here) — what a new deployment's connections do.
    const session = await database.openSession();
    try {
      await session.db.execute(sql`set plan_cache_mode = force_generic_plan`);
      const asDatabase = { ...database, db: session.db };
      const first = events(3);
      await session.db.transaction((tx) => appendEvents(tx, first, [], { allNew: true }));
      await storedIds(session.db, first.map((e) => e.envelope.id));
      await outboxHasEarlier(asDatabase, 'metrics:acme', 2);
      await removeFromOutbox(session.db, [1]);
      // The tables grow (other connections), and the outbox keeps the rows (nothing publishes here).
      for (let i = 0; i < 5; i++) await database.pipelinedTransaction((tx, commitWith) => appendEvents(tx, events(400), [], { allNew: true, commitWith }));
      const scans = await session.db.transaction(async (tx) => {
        const before = await scanCounts(tx);
        const batch = events(20);
        await appendEvents(tx, batch, [], { allNew: true });
        await appendEvents(tx, events(3), [], { allNew: true });
        expect((await storedIds(tx, batch.map((e) => e.envelope.id))).size).toBe(20);
        for (let i = 0; i < 4; i++) expect(await outboxHasEarlier({ ...database, db: tx as unknown as Database['db'] }, 'metrics:acme', 100 + i)).toBe(true);
        await removeFromOutbox(tx, [5, 6, 7]);
        return since(before, await scanCounts(tx));
      });
      expect(scans).toEqual({ events: { sequential: 0, index: expect.any(Number) }, outbox: { sequential: 0, index: expect.any(Number) } });
      expect(scans.events!.index).toBeGreaterThan(0);
      expect(scans.outbox!.index).toBeGreaterThan(0);
    } finally {
      await session.end();
    }
  });
});
