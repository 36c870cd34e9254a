import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { uuidv7 } from '@neo/contracts';
import { openDatabase, type Database } from '../../src/store/database';
import { validateInternal } from '../../src/pipeline/validate';
import { appendEvents, outboxHasEarlier, removeFromOutbox, storedIds } from '../../src/store/event-store';
import { executeDeferred, rowsOf } from '../../src/store/sql';
import { instanceStateWrite, lockInstanceState } from '../../src/store/monitoring-store';
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
  const scanCounts = async (tx: Pick<Database['db'], 'execute'>, tables = ['events', 'outbox']): Promise<Counts> => {
    const rows = rowsOf<{ relname: string; seq_scan: number | string; idx_scan: number | string | null }>(
      await tx.execute(sql`select relname, seq_scan, idx_scan from pg_stat_xact_user_tables where relname = any(${sql.param(tables)}::text[])`),
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

  it("on such a connection, the metrics projector's lock of instance and rule states reads instance_metrics and alert_rule_state by index only", async () => {
    const session = await database.openSession();
    const sample = (tenantId: string, i: number) => ({
      tenantId,
      m: { instanceId: `lock-${i}`, cpu: 1, memory: 1, disk: 1, networkIn: 1, networkOut: 1, uptime: 1, updatedAt: new Date(1_700_000_000_000 + i).toISOString() },
      intervalMs: null,
      expectedVersion: null,
    });
    const ruleStates = (tenantId: string, from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ subject: `${tenantId}/lock-${from + i}`, rule: 'cpu_high', state: { overSince: null, open: null, openedAt: null } }));
    const wanted = [0, 1, 2].map((i) => ({ tenantId: 'acme', instanceId: `lock-${i}` }));
    try {
      await session.db.execute(sql`set plan_cache_mode = force_generic_plan`);
      // An analyze by autovacuum meanwhile would have the plan made again, on the grown tables.
      for (const t of ['instance_metrics', 'alert_rule_state']) await database.db.execute(sql`alter table ${sql.identifier(t)} set (autovacuum_enabled = off)`);
      // Planned while both tables are empty.
      await session.db.transaction((tx) => lockInstanceState(tx, wanted));
      // The tables grow: many tenants' instances report (other connections).
      for (let t = 0; t < 4; t++) {
        const tenantId = t === 0 ? 'acme' : `tenant-${t}`;
        await database.db.transaction((tx) => executeDeferred(tx, [instanceStateWrite(Array.from({ length: 500 }, (_, i) => sample(tenantId, i)), ruleStates(tenantId, 0, 500))!]));
      }
      const scans = await session.db.transaction(async (tx) => {
        const before = await scanCounts(tx, ['instance_metrics', 'alert_rule_state']);
        const { tracks, rules } = await lockInstanceState(tx, wanted);
        expect(tracks.size).toBe(3);
        expect([...rules.values()].map((r) => r.size)).toEqual([1, 1, 1]);
        return since(before, await scanCounts(tx, ['instance_metrics', 'alert_rule_state']));
      });
      expect(scans).toEqual({ instance_metrics: { sequential: 0, index: expect.any(Number) }, alert_rule_state: { sequential: 0, index: expect.any(Number) } });
      expect(scans.instance_metrics!.index).toBeGreaterThan(0);
      expect(scans.alert_rule_state!.index).toBeGreaterThan(0);
    } finally {
      await session.end();
    }
  });
});
