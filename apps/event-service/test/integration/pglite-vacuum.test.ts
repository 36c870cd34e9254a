import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { uuidv7 } from '@neo/contracts';
import { openDatabase, type Database } from '../../src/store/database';
import { validateInternal } from '../../src/pipeline/validate';
import { appendEvents, deleteExpiredEvents, removeFromOutbox } from '../../src/store/event-store';
import { PgliteVacuum } from '../../src/store/pglite-vacuum';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/database';

// PGlite runs PostgreSQL in single-user mode, without autovacuum: what the service deletes stays, unless
// the service vacuums (PgliteVacuum).
describe('PGlite vacuum', () => {
  let testDb: TestDatabase;
  let database: Database;
  beforeEach(async () => {
    testDb = await createTestDatabase('pglite');
    database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir });
  });
  afterEach(async () => {
    await database?.close();
    await testDb?.drop();
  });

  const events = (n: number) =>
    validateInternal(Array.from({ length: n }, (_, i) => ({ id: uuidv7(), type: 'metrics_update' as const, tenantId: 'acme', data: { instanceId: 'vac-1', cpu: 1, memory: 1, disk: 1, networkIn: i, networkOut: 1, uptime: 1 } })));
  /** Events through the outbox as the pipeline passes them: appended, then taken out once published. */
  const passThrough = async (batches: number) => {
    for (let b = 0; b < batches; b++) {
      const { inserted } = await database.db.transaction((tx) => appendEvents(tx, events(100), [], { allNew: true }));
      await removeFromOutbox(database.db, [...inserted.values()].map((e) => e.pos));
    }
  };
  const table = async (name: string) => {
    await database.db.execute(sql`select pg_stat_force_next_flush()`); // counts otherwise flushed at most once a second
    const [row] = await database.rows<{ dead: number | string; heap: number | string }>(
      sql`select n_dead_tup as dead, pg_relation_size(relid) as heap from pg_stat_user_tables where relname = ${name}`,
    );
    return { dead: Number(row!.dead), heap: Number(row!.heap) };
  };

  it("reclaims the outbox's dead rows, so that its table stops growing with every event that passed through it", async () => {
    const done: Array<{ table: string; action: string }> = [];
    const vacuum = new PgliteVacuum(database, { onTable: ({ table: t, action }) => done.push({ table: t, action }) });
    await passThrough(15);
    const before = await table('outbox');
    expect(before.dead).toBeGreaterThan(50 + 0.2 * 100); // past the threshold (heap pruning already took some of the 1,500)
    await vacuum.run();
    expect(done).toContainEqual({ table: 'outbox', action: 'vacuum' });
    expect((await table('outbox')).dead).toBe(0);

    // As many events again: the table grows back to its size, where without the vacuum it doubled.
    await passThrough(15);
    expect((await table('outbox')).heap).toBeLessThan(before.heap * 1.5);
    await vacuum.run();

    // A look with nothing past the thresholds touches none of our tables (the catalogs have their own
    // counts: analyzing a table writes pg_statistic).
    done.length = 0;
    await vacuum.run();
    expect(done.filter((d) => !d.table.startsWith('pg_'))).toEqual([]);
  });

  it('gives back the space of events deleted by retention', async () => {
    const vacuum = new PgliteVacuum(database);
    await passThrough(10);
    await database.db.execute(sql`update events set created_at = now() - interval '40 days'`);
    await vacuum.run(); // the update's own dead rows
    await passThrough(3);
    expect(await deleteExpiredEvents(database, new Date(Date.now() - 30 * 86_400_000), { batchSize: 1000 })).toBe(1000);
    expect((await table('events')).dead).toBeGreaterThan(50 + 0.2 * 300);
    await vacuum.run();
    expect((await table('events')).dead).toBe(0);
  });

  it('runs on its timer once started, and stops', async () => {
    const done: string[] = [];
    const vacuum = new PgliteVacuum(database, { intervalMs: 50, onTable: ({ table: t }) => done.push(t) });
    await passThrough(2);
    vacuum.start();
    await expect.poll(() => done.includes('outbox'), { timeout: 5000 }).toBe(true);
    await vacuum.stop();
    expect((await table('outbox')).dead).toBe(0);
  });
});

describe.runIf(postgresAvailable || process.env.CI === 'true')('PGlite vacuum on postgres', () => {
  it('is refused: PostgreSQL vacuums by itself', async () => {
    const testDb = await createTestDatabase('postgres');
    const database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir });
    try {
      expect(() => new PgliteVacuum(database)).toThrow(/autovacuum/);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});
