import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { learnInterval } from '@neo/contracts';
import { openDatabase, type Database } from '../../src/store/database';
import { DurableSink } from '../../src/pipeline/durable-sink';
import { instanceMetricsProjector, instanceStatusProjector } from '../../src/pipeline/projectors/monitoring';
import { tenantAlertRules } from '../../src/monitoring/alert-rules';
import { validateInternal } from '../../src/pipeline/validate';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';

// The metrics projector remembers each instance's state from its own last transaction instead of reading
// it under lock every time. Two sinks stand for two service instances on one database (on PostgreSQL each
// with its own pool, as two processes would be; PGlite has one connection, so they share it): what one
// remembers goes stale when the other writes, and must then be read again, never trusted.
describe.each(DATABASE_KINDS)('instance state remembered by the metrics projector, on %s', (kind) => {
  let testDb: TestDatabase;
  let first: Database;
  let second: Database;
  let a: DurableSink;
  let b: DurableSink;
  const retriesOfA: string[] = [];
  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    first = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir });
    second = kind === 'postgres' ? await openDatabase({ url: testDb.url, dataDir: testDb.dataDir }) : first;
    // Alerts open after 30 s over the threshold (CPU warning at 80 %).
    a = new DurableSink(first, [instanceMetricsProjector(tenantAlertRules(30)), instanceStatusProjector], { onCarefulRetry: (reason) => void retriesOfA.push(reason) });
    b = new DurableSink(second, [instanceMetricsProjector(tenantAlertRules(30)), instanceStatusProjector]);
  });
  afterAll(async () => {
    if (second !== first) await second?.close();
    await first?.close();
    await testDb?.drop();
  });

  const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, s)).toISOString();
  const sample = (instanceId: string, s: number, cpu: number) =>
    validateInternal([{ type: 'metrics_update', tenantId: 'acme', timestamp: at(s), data: { instanceId, cpu, memory: 10, disk: 10, networkIn: 1, networkOut: 1, uptime: s } }]);
  const derived = (type: string, instanceId: string) =>
    first.rows<{ state: string }>(sql`select coalesce(data->>'state', data->>'status') as state from events where type = ${type} and data->>'instanceId' = ${instanceId} order by pos`);
  const row = async (instanceId: string) =>
    (await first.rows<{ version: string; updated_at: Date; interval_ms: number | null }>(sql`select version, updated_at, interval_ms from instance_metrics where instance_id = ${instanceId}`))[0]!;

  it('a rule state the other instance changed since is read again: no alert from a streak that was broken', async () => {
    await a.accept(sample('cas-1', 0, 90)); // over the threshold since 0 s
    await a.accept(sample('cas-1', 10, 90)); // read under lock, then remembered
    await b.accept(sample('cas-1', 20, 10)); // the streak is broken, by the other instance
    expect(retriesOfA).toEqual([]);
    // Trusting what it remembers, `a` would see 40 s over the threshold and open an alert.
    await a.accept(sample('cas-1', 40, 90));
    expect(await derived('alert', 'cas-1')).toEqual([]);
    expect(retriesOfA).toEqual(['state_changed']);
    // Over since 40 s: at 80 s, 40 s over, the alert opens, once.
    await a.accept(sample('cas-1', 80, 90));
    await a.accept(sample('cas-1', 90, 90));
    expect(await derived('alert', 'cas-1')).toEqual([{ state: 'open' }]);
    // Remembered again after the careful try: no more retries while `a` alone writes.
    expect(retriesOfA).toEqual(['state_changed']);
    // One version per committed write: the refused optimistic try left nothing.
    expect(Number((await row('cas-1')).version)).toBe(6);
  });

  it('the interval is learned from the latest sample written by anyone', async () => {
    await a.accept(sample('cas-2', 0, 10));
    await a.accept(sample('cas-2', 10, 10));
    await b.accept(sample('cas-2', 100, 10));
    await a.accept(sample('cas-2', 105, 10));
    const r = await row('cas-2');
    expect(new Date(r.updated_at).toISOString()).toBe(at(105));
    // Learned from the gaps 10 s, 90 s, 5 s; `a`, trusting what it remembered (10 s), would have seen 95 s.
    const learned = learnInterval(learnInterval(learnInterval(null, 10_000), 90_000), 5_000);
    expect(learned).not.toBe(learnInterval(learnInterval(null, 10_000), 95_000));
    expect(r.interval_ms).toBe(learned);
  });

  it('an instance announced stale elsewhere is announced back online by its next sample', async () => {
    await a.accept(sample('cas-3', 0, 10));
    await a.accept(sample('cas-3', 10, 10));
    await b.accept(validateInternal([{ type: 'instance_status', tenantId: 'acme', timestamp: at(60), data: { instanceId: 'cas-3', status: 'stale', lastReportAt: at(10), intervalMs: 10_000 } }]));
    await a.accept(sample('cas-3', 70, 10));
    expect(await derived('instance_status', 'cas-3')).toEqual([{ state: 'stale' }, { state: 'online' }]);
  });

  it('an older sample that arrives late keeps the row’s figures and still counts as a write', async () => {
    await a.accept(sample('cas-4', 0, 10));
    await a.accept(sample('cas-4', 20, 10));
    const before = retriesOfA.length;
    await a.accept(sample('cas-4', 10, 10));
    await a.accept(sample('cas-4', 30, 10));
    const r = await row('cas-4');
    expect(new Date(r.updated_at).toISOString()).toBe(at(30));
    expect(Number(r.version)).toBe(4);
    // What `a` remembered before and after the late sample was the database's state: no write needed a retry.
    expect(retriesOfA.length).toBe(before);
  });

  it.runIf(kind === 'postgres')('two instances writing the same instances at once: every request accepted and counted, no deadlock', async () => {
    const instances = ['race-1', 'race-2', 'race-3'];
    const perSink = 60;
    const retriesOfB: string[] = [];
    const c = new DurableSink(second, [instanceMetricsProjector(tenantAlertRules(30)), instanceStatusProjector], { onCarefulRetry: (reason) => void retriesOfB.push(reason) });
    const before = retriesOfA.length;
    // One request after another in each sink, both sinks at once: each request is a transaction of its
    // own that writes the three instances (remembered, or read under lock after the other sink wrote),
    // and CPU over the threshold every third sample, so alerts open and resolve on both sides.
    const send = async (sink: DurableSink, offset: number) => {
      for (let i = 0; i < perSink; i++) {
        await sink.accept(
          validateInternal(
            instances.map((instanceId) => ({
              type: 'metrics_update' as const,
              tenantId: 'acme',
              timestamp: at(1000 + i * 40 + offset),
              data: { instanceId, cpu: i % 3 === 0 ? 99 : 20, memory: 10, disk: 10, networkIn: 1, networkOut: 1, uptime: i },
            })),
          ),
        );
      }
    };
    await Promise.all([send(a, 0), send(c, 20)]);
    const rows = await first.rows<{ instance_id: string; updated_at: Date; version: string }>(sql`select instance_id, updated_at, version from instance_metrics where instance_id like 'race-%' order by instance_id`);
    expect(rows.map((r) => r.instance_id)).toEqual(instances);
    for (const r of rows) {
      // The latest sample wins whatever the order of commits; one version per committed request.
      expect(new Date(r.updated_at).toISOString()).toBe(at(1000 + (perSink - 1) * 40 + 20));
      expect(Number(r.version)).toBe(2 * perSink);
    }
    // Undone tries were the other instance's writes, never a deadlock or another error.
    const reasons = new Set([...retriesOfA.slice(before), ...retriesOfB]);
    expect([...reasons].filter((r) => r !== 'state_changed')).toEqual([]);
  });
});
