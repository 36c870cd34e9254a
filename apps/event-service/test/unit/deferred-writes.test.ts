import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/store/database';
import { DurableSink } from '../../src/pipeline/durable-sink';
import { instanceMetricsProjector, instanceStatusProjector } from '../../src/pipeline/projectors/monitoring';
import { tenantAlertRules } from '../../src/monitoring/alert-rules';
import { validateInternal } from '../../src/pipeline/validate';

// The metrics projector leaves its write to the append statement; the instance-status projector, which
// runs after it in the same transaction, reads what that write changes. The real sink and projectors on
// PGlite (an embedded PostgreSQL): the announcement must see the sample written just before it.
describe('projector writes carried by the append', () => {
  let database: Database;
  let sink: DurableSink;
  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://' });
    sink = new DurableSink(database, [instanceMetricsProjector(tenantAlertRules(60)), instanceStatusProjector]);
  });
  afterAll(() => database.close());

  const sample = (timestamp: string, cpu = 10) =>
    ({ type: 'metrics_update', tenantId: 'acme', timestamp, data: { instanceId: 'odoo-1', cpu, memory: 20, disk: 30, networkIn: 1, networkOut: 1, uptime: 60 } }) as const;
  const stored = () => database.rows<{ updated_at: Date; cpu: number; announced: string }>(sql`select updated_at, cpu, announced from instance_metrics where tenant_id = 'acme' and instance_id = 'odoo-1'`);

  it('a sample alone is written with its events: the latest figures, online', async () => {
    await sink.accept(validateInternal([sample('2026-12-02T10:00:00.000Z', 11)]));
    await sink.accept(validateInternal([sample('2026-12-02T10:00:10.000Z', 12)]));
    const [row] = await stored();
    expect(row).toMatchObject({ cpu: 12, announced: 'online' });
    expect(new Date(row!.updated_at).toISOString()).toBe('2026-12-02T10:00:10.000Z');
  });

  it('an announcement about the previous sample, in the same transaction as a newer one, sees the newer one and is refused', async () => {
    const events = validateInternal([
      sample('2026-12-02T10:00:20.000Z', 13),
      { type: 'instance_status', tenantId: 'acme', timestamp: '2026-12-02T10:00:21.000Z', data: { instanceId: 'odoo-1', status: 'stale', lastReportAt: '2026-12-02T10:00:10.000Z', intervalMs: 10_000 } },
    ]);
    await expect(sink.accept(events)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    // Nothing of the refused request is stored: neither the sample nor the announcement.
    const [row] = await stored();
    expect(row).toMatchObject({ cpu: 12, announced: 'online' });
    const types = await database.rows<{ type: string }>(sql`select type from events where data->>'instanceId' = 'odoo-1' order by pos`);
    expect(types.map((t) => t.type)).toEqual(['metrics_update', 'metrics_update']);
  });

  it('an announcement about the sample written in the same transaction is recorded', async () => {
    await sink.accept(
      validateInternal([
        sample('2026-12-02T10:00:30.000Z', 14),
        { type: 'instance_status', tenantId: 'acme', timestamp: '2026-12-02T10:00:31.000Z', data: { instanceId: 'odoo-1', status: 'stale', lastReportAt: '2026-12-02T10:00:30.000Z', intervalMs: 10_000 } },
      ]),
    );
    const [row] = await stored();
    expect(row).toMatchObject({ cpu: 14, announced: 'stale' });
  });
});
