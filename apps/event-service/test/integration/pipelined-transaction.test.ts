import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { uuidv7 } from '@neo/contracts';
import { openDatabase, type Database } from '../../src/store/database';
import { DurableSink } from '../../src/pipeline/durable-sink';
import { instanceMetricsProjector } from '../../src/pipeline/projectors/monitoring';
import { tenantAlertRules } from '../../src/monitoring/alert-rules';
import { validateInternal } from '../../src/pipeline/validate';
import { appendEvents, ConcurrentDuplicateError } from '../../src/store/event-store';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';

// Ingest's transaction sends BEGIN with its first statement and COMMIT with its last (node-postgres
// pipeline mode on PostgreSQL): whatever must undo it has to fail a statement, since the COMMIT is on the
// wire before the caller sees the last statement's answer. On PGlite the same calls are a plain transaction.
describe.each(DATABASE_KINDS)('pipelined ingest transaction on %s', (kind) => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir });
    await database.db.execute(sql`create table pipeline_probe (k text primary key)`);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  const probe = async () => (await database.rows<{ k: string }>(sql`select k from pipeline_probe order by k`)).map((r) => r.k);
  const event = (id = uuidv7(), cpu = 10) =>
    validateInternal([{ id, type: 'metrics_update', tenantId: 'acme', timestamp: new Date().toISOString(), data: { instanceId: 'p-1', cpu, memory: 1, disk: 1, networkIn: 1, networkOut: 1, uptime: 1 } }]);

  it('commits with its last statement, and answers with that statement’s rows', async () => {
    const rows = await database.pipelinedTransaction(async (tx, commitWith) => {
      await tx.execute(sql`insert into pipeline_probe values ('a')`);
      return commitWith('probe_last', sql`insert into pipeline_probe values ('b') returning k`);
    });
    expect((rows as { rows: Array<{ k: string }> }).rows).toEqual([{ k: 'b' }]);
    expect(await probe()).toEqual(['a', 'b']);
  });

  it('commits when it returns without commitWith, and rolls back when it throws before it', async () => {
    await database.pipelinedTransaction(async (tx) => void (await tx.execute(sql`insert into pipeline_probe values ('c')`)));
    await expect(
      database.pipelinedTransaction(async (tx) => {
        await tx.execute(sql`insert into pipeline_probe values ('d')`);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await probe()).toEqual(['a', 'b', 'c']);
  });

  it('keeps nothing when the last statement fails, though its COMMIT was sent behind it', async () => {
    await expect(
      database.pipelinedTransaction(async (tx, commitWith) => {
        await tx.execute(sql`insert into pipeline_probe values ('e')`);
        return commitWith('probe_dup', sql`insert into pipeline_probe values ('a')`); // primary key taken
      }),
    ).rejects.toBeTruthy();
    expect(await probe()).toEqual(['a', 'b', 'c']);
  });

  it('does not report a commit when an earlier statement failed and its error was caught', async () => {
    await expect(
      database.pipelinedTransaction(async (tx, commitWith) => {
        await tx.execute(sql`insert into pipeline_probe values ('f')`);
        await tx.execute(sql`insert into pipeline_probe values ('a')`).catch(() => {});
        return commitWith('probe_after', sql`insert into pipeline_probe values ('g')`);
      }),
    ).rejects.toBeTruthy();
    expect(await probe()).toEqual(['a', 'b', 'c']);
    // The connections are still good for the next transactions.
    for (const k of ['h', 'i', 'j', 'k', 'l', 'm', 'n']) await database.pipelinedTransaction((_tx, commitWith) => commitWith('probe_next', sql`insert into pipeline_probe values (${k})`));
    expect(await probe()).toEqual(['a', 'b', 'c', 'h', 'i', 'j', 'k', 'l', 'm', 'n']);
  });

  it.runIf(kind === 'postgres')('a connection that dies in the transaction fails it, and is not handed to the next one', async () => {
    await expect(database.pipelinedTransaction((_tx, commitWith) => commitWith('probe_die', sql`select pg_terminate_backend(pg_backend_pid())`))).rejects.toBeTruthy();
    // The pool hands out the connection released last first: had the dead one gone back, this would fail.
    for (const k of ['p', 'q', 'r']) await database.pipelinedTransaction((_tx, commitWith) => commitWith('probe_after_death', sql`insert into pipeline_probe values (${k})`));
    expect(await probe()).toEqual(expect.arrayContaining(['p', 'q', 'r']));
  });

  it('an append of an id stored already, taken to be new, fails with the whole transaction', async () => {
    const [stored] = event();
    await database.pipelinedTransaction((tx, commitWith) => appendEvents(tx, [stored!], [], { allNew: true, commitWith }));
    await expect(
      database.pipelinedTransaction(async (tx, commitWith) => {
        await tx.execute(sql`insert into pipeline_probe values ('o')`);
        return appendEvents(tx, [...event(), stored!], [], { allNew: true, commitWith });
      }),
    ).rejects.toBeInstanceOf(ConcurrentDuplicateError);
    expect(await probe()).not.toContain('o');
    // Not taken to be new, the same append answers the stored id as stored and adds the other.
    const other = event();
    const answer = await database.pipelinedTransaction((tx, commitWith) => appendEvents(tx, [...other, stored!], [], { commitWith }));
    expect([...answer.inserted.keys()]).toEqual([other[0]!.envelope.id]);
    expect(answer.accepted.map((a) => a.id)).toEqual([other[0]!.envelope.id, stored!.envelope.id]);
  });

  it('a metrics sample sent again with its id is answered as stored and projected once', async () => {
    const sink = new DurableSink(database, [instanceMetricsProjector(tenantAlertRules(60))]);
    const id = uuidv7();
    const first = await sink.accept(event(id, 11));
    // The same id with other figures (a producer's retry, or a mistake): the sink first takes it to be new;
    // the append's check fails, which undoes the sample write the append carried; the careful retry then
    // sees the id stored and projects nothing.
    expect(await sink.accept(event(id, 99))).toEqual(first);
    const [row] = await database.rows<{ cpu: number }>(sql`select cpu from instance_metrics where tenant_id = 'acme' and instance_id = 'p-1'`);
    expect(Number(row!.cpu)).toBe(11);
    const [count] = await database.rows<{ n: number }>(sql`select count(*)::int as n from events where id = ${id}::uuid`);
    expect(Number(count!.n)).toBe(1);
  });
});
