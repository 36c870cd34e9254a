import type { Database } from '../store/database';
import { deleteExpiredEvents } from '../store/event-store';

export interface RetentionOptions {
  /** Days events are kept. */
  retentionDays: number;
  /** Time between cleanups, ms; 0 = never. */
  intervalMs: number;
  /**
   * Time from start to the first cleanup, ms. Default: the interval, at most one minute (a service
   * restarted more often than hourly still cleans up; a starting one is not loaded at once).
   */
  firstRunMs?: number;
  /** Events per delete transaction. */
  batchSize: number;
  /** After each cleanup that ran to its end: how many events it deleted and how long it took, ms. */
  onRun?: (info: { deleted: number; ms: number }) => void;
  /** After each batch (metrics). */
  onBatch?: (info: { deleted: number; ms: number }) => void;
  onError?: (err: unknown) => void;
}

/**
 * Deletes expired events soon after start and then every interval, in the bounded batches of
 * `deleteExpiredEvents`. One cleanup at a time per instance; `stop()` interrupts a cleanup between two
 * batches, so shutdown does not wait for a backlog.
 */
export class RetentionWorker {
  readonly #database: Database;
  readonly #o: RetentionOptions;
  #timer: NodeJS.Timeout | null = null;
  #first: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #abort = new AbortController();

  constructor(database: Database, options: RetentionOptions) {
    this.#database = database;
    this.#o = options;
  }

  start(): void {
    if (this.#first || this.#o.intervalMs === 0) return;
    this.#abort = new AbortController();
    this.#first = setTimeout(() => {
      void this.run();
      this.#timer = setInterval(() => void this.run(), this.#o.intervalMs);
      this.#timer.unref();
    }, this.#o.firstRunMs ?? Math.min(this.#o.intervalMs, 60_000));
    this.#first.unref();
  }

  async stop(): Promise<void> {
    if (this.#first) clearTimeout(this.#first);
    if (this.#timer) clearInterval(this.#timer);
    this.#first = null;
    this.#timer = null;
    this.#abort.abort();
    await this.#running;
  }

  /** One cleanup; resolves when it ended (at once if one is already running). */
  run(): Promise<void> {
    if (this.#running) return this.#running;
    const t0 = performance.now();
    const cutoff = new Date(Date.now() - this.#o.retentionDays * 86_400_000);
    this.#running = deleteExpiredEvents(this.#database, cutoff, { batchSize: this.#o.batchSize, signal: this.#abort.signal, onBatch: this.#o.onBatch })
      .then(
        (deleted) => this.#o.onRun?.({ deleted, ms: performance.now() - t0 }),
        (err: unknown) => this.#o.onError?.(err),
      )
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }
}
