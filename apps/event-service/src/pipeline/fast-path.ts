import { transientRefusal, type CentrifugoClient } from '../centrifugo/client';
import type { Database } from '../store/database';
import { outboxHasEarlier, removeFromOutbox } from '../store/event-store';
import type { CommittedEvent } from './durable-sink';

export interface FastPathOptions {
  /**
   * How long a channel's events may wait for earlier ones (of another instance, or left to the relay) to
   * be published before they are left to the relay too, ms. Default 2000.
   */
  maxWaitMs?: number;
  /** How often the outbox is looked at while waiting, ms. Default 2. */
  waitPollMs?: number;
  /** Called when a publish failed and the events were left to the relay (metrics, logs). */
  onFallback?: (reason: unknown, events: number) => void;
  /** Called after each published batch (metrics). */
  onPublished?: (info: { size: number; ms: number }) => void;
}

/**
 * Publishes events the moment their ingest transaction commits, from memory, instead of waiting for the
 * relay to read them back: the durable pipeline's latency is then one commit plus one publish.
 *
 * The outbox stays the source of truth. A published batch's rows are removed from it (one statement for
 * many batches); anything not confirmed published — Centrifugo down, the process gone — stays there and
 * the relay publishes it later, under the same `seq` and idempotency key (Centrifugo drops a repeat).
 *
 * Order per channel: `seq` follows commit order (appendEvents). Each channel has one worker that publishes
 * its pending events in `seq` order, a contiguous run per call. When the first pending event does not
 * follow this process's last publication in the channel, it waits until no earlier event of the channel
 * is left in the outbox (another instance's, or the relay's) or until an earlier one of ours arrives — so
 * Centrifugo receives every channel's events in `seq` order. What cannot publish, or waits too long, is
 * left to the relay with everything after it in that channel.
 */
export class FastPath {
  readonly #database: Database;
  readonly #centrifugo: CentrifugoClient;
  readonly #opts: Required<Pick<FastPathOptions, 'maxWaitMs' | 'waitPollMs'>> & FastPathOptions;
  /** Per channel: committed events waiting to be published, in `seq` order, and whether a worker runs. */
  readonly #channels = new Map<string, { pending: CommittedEvent[]; worker: Promise<void> | null }>();
  /** The last `seq` this process published per channel (absent: unknown, check the outbox first). */
  readonly #lastSeq = new Map<string, number>();
  readonly #published = new RemovalQueue((positions) => removeFromOutbox(this.#database.db, positions));
  #stopped = false;

  constructor(database: Database, centrifugo: CentrifugoClient, options: FastPathOptions = {}) {
    this.#database = database;
    this.#centrifugo = centrifugo;
    this.#opts = { maxWaitMs: 2000, waitPollMs: 2, ...options };
  }

  /** Takes a commit's events; each channel's worker publishes them in `seq` order, without blocking the caller. */
  readonly publish = (events: CommittedEvent[]): void => {
    if (this.#stopped) return; // the relay's drain publishes them
    for (const e of events) {
      let queue = this.#channels.get(e.channel);
      if (!queue) this.#channels.set(e.channel, (queue = { pending: [], worker: null }));
      queue.pending.push(e);
    }
    for (const [channel, queue] of this.#channels) {
      // Commits of one process can reach here out of order (their replies race): order by seq.
      queue.pending.sort((a, b) => a.seq - b.seq);
      queue.worker ??= this.#work(channel, queue).finally(() => {
        queue.worker = null;
        if (queue.pending.length === 0) this.#channels.delete(channel);
        else if (!this.#stopped) this.publish([]);
      });
    }
  };

  /** Waits for every publication in flight and every outbox removal they queued (shutdown, tests). */
  async flush(): Promise<void> {
    for (;;) {
      const workers = [...this.#channels.values()].map((q) => q.worker).filter((w): w is Promise<void> => w !== null);
      if (workers.length === 0) break;
      await Promise.allSettled(workers);
    }
    await this.#published.flush();
  }

  /** Stops taking new events (the relay publishes what is left) and waits for what is in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.flush();
  }

  /** Publishes a channel's pending events, a contiguous run of `seq` at a time. */
  async #work(channel: string, queue: { pending: CommittedEvent[] }): Promise<void> {
    try {
      await this.#publishPending(channel, queue);
    } catch (err) {
      // The outbox could not be read (database unreachable): the relay publishes them once it can.
      this.#handOver(channel, queue, err);
    }
  }

  async #publishPending(channel: string, queue: { pending: CommittedEvent[] }): Promise<void> {
    while (queue.pending.length > 0 && !this.#stopped) {
      const first = queue.pending[0]!.seq;
      if (this.#lastSeq.get(channel) !== first - 1) {
        const ready = await this.#earlierOut(channel, queue);
        if (ready === 'reorder') continue; // an earlier event of ours arrived: start from it
        if (!ready) {
          this.#handOver(channel, queue, new Error(`earlier events of ${channel} were not published within ${this.#opts.maxWaitMs} ms`));
          return;
        }
      }
      let n = 1;
      while (n < queue.pending.length && n < MAX_BATCH && queue.pending[n]!.seq === queue.pending[n - 1]!.seq + 1) n++;
      const batch = queue.pending.slice(0, n);
      const started = performance.now();
      try {
        const replies = await this.#centrifugo.batch(batch.map((e) => ({ channel, data: e.envelope, idempotency_key: e.envelope.id })));
        const refusal = transientRefusal(replies);
        if (refusal) throw refusal;
      } catch (err) {
        this.#handOver(channel, queue, err);
        return;
      }
      // By identity: events that arrived during the call were sorted in, and may stand anywhere.
      const done = new Set(batch);
      queue.pending.splice(0, queue.pending.length, ...queue.pending.filter((e) => !done.has(e)));
      this.#lastSeq.set(channel, batch[n - 1]!.seq);
      this.#published.add(batch.map((e) => e.pos));
      this.#opts.onPublished?.({ size: n, ms: performance.now() - started });
    }
  }

  /**
   * Whether every event of the channel numbered before the first pending one is out of the outbox
   * (published by another instance or by the relay), waiting up to `maxWaitMs`; 'reorder' when an
   * earlier event of this process arrived meanwhile.
   */
  async #earlierOut(channel: string, queue: { pending: CommittedEvent[] }): Promise<boolean | 'reorder'> {
    const first = queue.pending[0]!.seq;
    const deadline = performance.now() + this.#opts.maxWaitMs;
    for (;;) {
      if (!(await outboxHasEarlier(this.#database, channel, first))) return true;
      if (queue.pending[0]!.seq !== first) return 'reorder';
      if (performance.now() > deadline || this.#stopped) return false;
      await new Promise((r) => setTimeout(r, this.#opts.waitPollMs));
      if (queue.pending[0]!.seq !== first) return 'reorder';
    }
  }

  /**
   * Leaves the channel's pending events to the relay (they stay in the outbox): publishing later ones
   * first would break the channel's order. The next events of the channel wait for the relay's progress.
   */
  #handOver(channel: string, queue: { pending: CommittedEvent[] }, reason: unknown): void {
    const events = queue.pending.length;
    queue.pending.length = 0;
    this.#lastSeq.delete(channel);
    this.#opts.onFallback?.(reason, events);
  }
}

/** Most events in one publish call (Centrifugo `/api/batch`). */
const MAX_BATCH = 1000;

/**
 * Outbox rows of published events, removed in one statement for many batches: a removal starts
 * `delayMs` after the first row waiting for it, and while one runs, the next batches' rows wait and go
 * together in the following one. The delay is what makes a steady trickle share statements: at 100
 * events/s, one statement per event was a sixth of the pipeline's round trips to PostgreSQL (each ~0.1 ms
 * of this service's CPU on a small VM). Rows removed a few milliseconds later change nothing for the
 * relay, which leaves rows younger than its grace (seconds) to the fast path; another instance publishing
 * in the same channel waits for them that much longer.
 */
class RemovalQueue {
  #pending: number[] = [];
  #running: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly remove: (positions: number[]) => Promise<void>,
    private readonly delayMs = REMOVAL_DELAY_MS,
  ) {}

  add(positions: number[]): void {
    this.#pending.push(...positions);
    if (this.#running || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running ??= this.#run();
    }, this.delayMs);
  }

  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#running ??= this.#run();
    }
    while (this.#running) await this.#running;
  }

  async #run(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        // A failed removal only means the relay publishes those events again (deduplicated by Centrifugo).
        await this.remove(batch).catch(() => {});
      }
    } finally {
      this.#running = null;
    }
  }
}

/** How long published rows wait to be removed together, ms (see RemovalQueue). */
const REMOVAL_DELAY_MS = 20;
