import { LatencyRecorder } from './stats';

/**
 * Every benchmark event carries its send time (performance.now() of this process, ms, 3 decimals) in the
 * numeric field `data.networkIn`; subscribers find it with a string search instead of JSON.parse, so that
 * the load generator spends its CPU on sockets, not parsing (one frame may hold several pushes).
 * Not in `instanceId`: metrics_update is projected per instance (latest sample, alert rules), so a new
 * id per event would turn the load into a stream of new instances.
 */
const MARKER = '"networkIn":';

/** Instances the metrics load is spread over, round-robin: a tenant with this many machines reporting. */
const INSTANCES = 100;
let nextInstance = 0;

/** A metrics_update event for `tenantId`, stamped with its send time. */
export function metricsEvent(tenantId = 'acme', now = performance.now()): { type: 'metrics_update'; tenantId: string; data: Record<string, number | string> } {
  const instanceId = `i-${(nextInstance++ % INSTANCES) + 1}`;
  return { type: 'metrics_update', tenantId, data: { instanceId, cpu: 42, memory: 55, disk: 61, networkIn: Number(now.toFixed(3)), networkOut: 800, uptime: 3600 } };
}

/** Counts deliveries and their latencies for one phase; `active` false ignores late arrivals of an older phase. */
export class DeliveryTracker {
  readonly latency = new LatencyRecorder();
  delivered = 0;
  firstAt = 0;
  lastAt = 0;
  /** Only events sent at or after this time (ms) count: stragglers of an earlier phase are ignored. */
  since = 0;

  /** Scans one frame's text for stamped events and records each delivery. */
  scan(text: string, now = performance.now()): void {
    let at = text.indexOf(MARKER);
    while (at >= 0) {
      const start = at + MARKER.length;
      let end = start;
      for (let c = text.charCodeAt(end); (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x20; c = text.charCodeAt(++end));
      const sent = Number(text.slice(start, end));
      if (sent >= this.since) {
        this.delivered++;
        if (this.firstAt === 0) this.firstAt = now;
        this.lastAt = now;
        this.latency.add(now - sent);
      }
      at = text.indexOf(MARKER, end);
    }
  }
}
