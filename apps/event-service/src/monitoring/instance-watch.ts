import { createHash } from 'node:crypto';
import { INSTANCE_DEFAULT_INTERVAL_MS, instanceThresholds } from '@neo/contracts';
import { AppError } from '../errors';
import type { Database } from '../store/database';
import { quietInstances, type InstanceChange } from '../store/monitoring-store';
import type { EventSink } from '../pipeline/sink';
import { validateInternal } from '../pipeline/validate';

export interface InstanceWatchOptions {
  /** How often to look for instances that stopped reporting, ms. Default 5000. */
  intervalMs?: number;
  /** Most changes announced per round; the rest wait for the next. Default 200. */
  maxPerRound?: number;
  onError?: (err: unknown) => void;
}

/**
 * The id of the announcement of one change: the same for every service instance that sees it, so that
 * when two of them announce it at once the ingest stores it once (an id is accepted once). UUID v7 in
 * shape, its time the instant the change fell due, its other bits from the change itself.
 */
export function announcementId(c: InstanceChange): string {
  const { staleAfterMs, offlineAfterMs } = instanceThresholds(c.intervalMs);
  const dueMs = Date.parse(c.receivedAt) + (c.status === 'offline' ? offlineAfterMs : staleAfterMs);
  const h = createHash('sha256').update(`${c.tenantId}\u0000${c.instanceId}\u0000${c.status}\u0000${c.lastReportAt}`).digest('hex');
  const ms = dueMs.toString(16).padStart(12, '0').slice(-12);
  const variant = ((parseInt(h[3]!, 16) & 0x3) | 0x8).toString(16);
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${h.slice(0, 3)}-${variant}${h.slice(4, 7)}-${h.slice(7, 19)}`;
}

/**
 * Systems online / offline, pushed live: every round, the instances whose reports stopped are announced
 * stale, then offline, as `instance_status` events on their tenant's metrics channel, through the normal
 * ingest path (stored, relayed, in history). Idempotent (one id per change) and bounded (at most
 * `maxPerRound` per round, only instances silent past the shortest threshold are read). Coming back online
 * is announced by the sample that proves it, in its own transaction (see instanceMetricsProjector).
 */
export class InstanceWatch {
  #timer: NodeJS.Timeout | null = null;
  #busy = false;

  constructor(
    private readonly database: Database,
    private readonly sink: EventSink,
    private readonly options: InstanceWatchOptions = {},
  ) {}

  start(): void {
    if (this.#timer || (this.options.intervalMs ?? 5000) <= 0) return;
    this.#timer = setInterval(() => void this.round(), this.options.intervalMs ?? 5000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One round; returns how many changes were announced. Skipped while the previous one runs. */
  async round(): Promise<number> {
    if (this.#busy) return 0;
    this.#busy = true;
    try {
      const changes = await quietInstances(this.database, this.options.maxPerRound ?? 200);
      // One request per change: one that a new sample made untrue (409) fails alone; the sink commits them together.
      const results = await Promise.allSettled(changes.map((c) => this.sink.accept(validateInternal([{
        id: announcementId(c),
        type: 'instance_status',
        tenantId: c.tenantId,
        data: { instanceId: c.instanceId, status: c.status, lastReportAt: c.lastReportAt, intervalMs: c.intervalMs ?? INSTANCE_DEFAULT_INTERVAL_MS },
      }]))));
      for (const r of results) if (r.status === 'rejected' && !(r.reason instanceof AppError && r.reason.code === 'ERR_CONFLICT')) this.options.onError?.(r.reason);
      return results.filter((r) => r.status === 'fulfilled').length;
    } catch (err) {
      this.options.onError?.(err);
      return 0;
    } finally {
      this.#busy = false;
    }
  }
}
