import { describe, expect, it } from 'vitest';
import { eventRegistry } from '@neo/contracts';
import { HostMetricsReader } from '../../src/monitoring/host-metrics';

describe('HostMetricsReader (this machine)', () => {
  it('reads real figures that satisfy the metrics_update contract', async () => {
    const reader = new HostMetricsReader('/');
    await reader.read();
    // Burn a little CPU so the second read covers an interval with work in it.
    const until = Date.now() + 150;
    while (Date.now() < until) Math.sqrt(Math.random());
    const sample = await reader.read();
    expect(eventRegistry.metrics_update.data.safeParse(sample).success).toBe(true);
    expect(sample.cpu).toBeGreaterThan(0);
    expect(sample.memory).toBeGreaterThan(0);
    expect(sample.disk).toBeGreaterThan(0);
    expect(sample.uptime).toBeGreaterThan(0);
  });
});
