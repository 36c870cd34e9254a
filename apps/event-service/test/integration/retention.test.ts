import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/store/database';
import { deleteExpiredEvents } from '../../src/store/event-store';
import { RetentionWorker } from '../../src/pipeline/retention';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { historyDataStatements } from '../../../../scripts/lib/history-data.mjs';

const cutoff = () => new Date(Date.now() - 30 * 86_400_000);

describe.each(DATABASE_KINDS)('retention on %s', (kind) => {
  let db: TestDatabase;
  let database: Database;
  const count = async (channel: string) => Number((await database.rows<{ n: number | string }>(sql`select count(*) as n from events where channel = ${channel}`))[0]!.n);

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    database = await openDatabase({ url: db.url, dataDir: db.dataDir });
    // 35 events 40 days old on metrics:globex, the 3 oldest still waiting in the outbox; 5 fresh on billing:acme.
    for (const s of historyDataStatements({ events: 5, interleaved: 0, deployments: 0, expired: 35 }) as string[]) await database.db.execute(sql.raw(s));
    await database.db.execute(sql`insert into outbox (pos, event_id, channel) select pos, id, channel from events where channel = 'metrics:globex' order by pos limit 3`);
  });
  afterEach(async () => {
    await database?.close();
    await db?.drop();
  });

  it('deletes in batches of the given size, each one statement, and keeps events not relayed yet', async () => {
    const batches: number[] = [];
    const deleted = await deleteExpiredEvents(database, cutoff(), { batchSize: 10, onBatch: ({ deleted: d }) => batches.push(d) });
    expect(deleted).toBe(32);
    expect(batches).toEqual([10, 10, 10, 2]);
    expect(await count('metrics:globex')).toBe(3);
    expect(await count('billing:acme')).toBe(5);
  });

  it('stops between two batches when aborted (shutdown does not wait for a backlog)', async () => {
    const abort = new AbortController();
    const deleted = await deleteExpiredEvents(database, cutoff(), { batchSize: 10, signal: abort.signal, onBatch: () => abort.abort() });
    expect(deleted).toBe(10);
    expect(await count('metrics:globex')).toBe(25);
  });

  it('the worker cleans up after its first delay, then on its interval', async () => {
    let ran!: (info: { deleted: number }) => void;
    const firstRun = new Promise<{ deleted: number }>((resolve) => (ran = resolve));
    const worker = new RetentionWorker(database, { retentionDays: 30, intervalMs: 3_600_000, firstRunMs: 0, batchSize: 10, onRun: (info) => ran(info) });
    worker.start();
    try {
      expect((await firstRun).deleted).toBe(32);
      expect(await count('metrics:globex')).toBe(3);
    } finally {
      await worker.stop();
    }
  });
});
