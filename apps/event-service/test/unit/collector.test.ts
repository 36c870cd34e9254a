import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/store/database';
import { DurableSink } from '../../src/pipeline/durable-sink';
import { MonitoringCollector } from '../../src/monitoring/collector';

// The collector stores through the real durable sink (PGlite in memory); nothing publishes, so the rows
// stay in the outbox where the test can count them.
describe('MonitoringCollector', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://' });
  });
  afterAll(() => database.close());

  it('stores host metrics for admin:metrics and opens one alert for a rule that is crossed', async () => {
    // Disk usage of any real machine is above 0.01 %: the rule is crossed on every sample.
    const collector = new MonitoringCollector(new DurableSink(database), {
      rules: [{ id: 'disk_test', metric: 'disk', warning: 0.01, critical: 1000, forSeconds: 0, message: 'disco {value}' }],
      activeInstances: async () => 3,
    });
    await collector.tick(1_000);
    await collector.tick(2_000);
    await collector.tick(3_000);
    const rows = await database.rows<{ type: string; channel: string; data: Record<string, unknown> }>(sql`select type, channel, data from events order by pos`);
    const metrics = rows.filter((r) => r.type === 'metrics_update');
    const alerts = rows.filter((r) => r.type === 'alert');
    expect(metrics).toHaveLength(3);
    expect(metrics.every((r) => r.channel === 'admin:metrics' && r.data.activeInstances === 3)).toBe(true);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ channel: 'admin:alerts', data: { alertId: 'disk_test-1000', state: 'open', severity: 'warning' } });
  });
});
