import type { SeqAnchor, SequencedEvent } from './anchor';
import { retryWithBackoff, type BackoffOptions } from './backoff';

/** What the engine learns from a (re)subscribe: Centrifugo's `subscribed` context, the two flags it reads. */
export interface SubscribedInfo {
  wasRecovering: boolean;
  recovered: boolean;
}

export interface SeqStreamOptions<E extends SequencedEvent> {
  /**
   * Stored events of the channel after sequence `afterSeq`, oldest first, at most `limit` (the history
   * API's `afterSeq` mode). Fills what Centrifugo could not recover. A throw is retried with backoff.
   */
  fetchAfter: (afterSeq: number, limit: number, signal: AbortSignal) => Promise<readonly E[]>;
  /** Called once per event, in stream order, never for an event the anchored state already holds. */
  onEvent: (event: E) => void;
  /** Loads the state again and anchors again; called when an anchor could not be exact (`pendingOverflow`). */
  reload?: () => void;
  /** How long to wait before that reload, ms. Default 2000. */
  reloadDelayMs?: number;
  /** Page size of catch-up reads. Default 200 (the history API's maximum). */
  pageSize?: number;
  /** Delays between failed catch-up reads. */
  backoff?: BackoffOptions;
  /** Told about each failed catch-up read (it is retried). */
  onError?: (error: unknown) => void;
  /** Most live events kept while not anchored or catching up; the oldest go first. Default 5000. */
  maxBuffered?: number;
  /** How many ids of events without `seq` are remembered to drop their repeats. Default 500. */
  maxUnsequencedIds?: number;
}

/**
 * The engine's core for a durable channel, without I/O of its own: feed it live events (`receive`),
 * Centrifugo's (re)subscribes (`subscribed`) and the position of loaded state (`anchor`); it calls
 * `onEvent` once per event, in `seq` order, with nothing missing.
 *
 * - Until anchored (and while a catch-up runs) live events wait in a buffer.
 * - A `seq` beyond the next one is a hole: the events in between are read from the durable history
 *   (paged, retried with backoff), then the buffer is replayed in order.
 * - A resubscribe Centrifugo could not recover (`recovered: false`) reads the history the same way.
 * - Repeats (recovery overlap, a duplicate delivery, an event the state holds) are dropped by `seq`.
 */
export class SeqStream<E extends SequencedEvent> {
  readonly #o: SeqStreamOptions<E>;
  #lastSeq: number | null = null;
  #skip = new Set<string>();
  #buffer: E[] = [];
  #unsequenced = new Set<string>();
  #catchingUp: Promise<void> = Promise.resolve();
  /** Set and cleared synchronously with the catch-up's body: no event may slip in between. */
  #running = false;
  /** A catch-up was asked for while one was reading: read once more when it ends (the read may predate the request). */
  #again = false;
  /** Bumped by every anchor: a catch-up page read for an older anchor is not applied. */
  #generation = 0;
  #reloadTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #abort = new AbortController();

  constructor(options: SeqStreamOptions<E>) {
    this.#o = options;
  }

  /** The sequence of the last event delivered or anchored; null while not anchored. */
  get lastSeq(): number | null {
    return this.#lastSeq;
  }

  get anchored(): boolean {
    return this.#lastSeq !== null;
  }

  /** A catch-up read is running (live events wait meanwhile). */
  get catchingUp(): boolean {
    return this.#running;
  }

  get stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Resolves once no catch-up is running (the buffer is drained). */
  async idle(): Promise<void> {
    while (this.#running) await this.#catchingUp;
  }

  /**
   * The state now holds every event up to `at.streamSeq` (it was just loaded): later ones are applied,
   * earlier ones dropped. Also after a reload that went back (the read's snapshot predates an event
   * already applied to the old state): that event is read again for the new state.
   */
  anchor(at: SeqAnchor): void {
    if (this.stopped) return;
    this.#generation++;
    this.#lastSeq = at.streamSeq;
    this.#skip = new Set(at.pendingEventIds ?? []);
    void this.#catchUp();
    // Too many events were pending to list them: some live events may repeat what the state holds.
    // Once the relay has numbered them, loading again gives an exact join.
    if (at.pendingOverflow && this.#o.reload && !this.#reloadTimer) {
      this.#reloadTimer = setTimeout(() => {
        this.#reloadTimer = null;
        if (!this.stopped) this.#o.reload?.();
      }, this.#o.reloadDelayMs ?? 2_000);
    }
  }

  /** The state is being loaded again: hold live events until the next `anchor`. */
  unanchor(): void {
    this.#generation++;
    this.#lastSeq = null;
  }

  /** A live publication (also one Centrifugo recovered). */
  receive(event: E): void {
    if (this.stopped) return;
    if (this.#lastSeq === null || this.#running) {
      this.#hold(event);
      return;
    }
    if (typeof event.seq === 'number' && event.seq > this.#lastSeq + 1) {
      // A hole: something was published that never reached us. Read it from the store before going on.
      this.#hold(event);
      void this.#catchUp();
      return;
    }
    this.#deliver(event);
  }

  /** Centrifugo (re)subscribed the channel. */
  subscribed(info: SubscribedInfo): void {
    if (this.stopped || this.#lastSeq === null) return;
    // Recovered: Centrifugo delivers what we missed (a hole among it is still caught by `receive`).
    // Not recovered, or a first subscribe after state was loaded: read what the store has beyond us.
    if (!(info.wasRecovering && info.recovered)) void this.#catchUp();
  }

  stop(): void {
    this.#abort.abort(new Error('stream stopped'));
    if (this.#reloadTimer) clearTimeout(this.#reloadTimer);
    this.#reloadTimer = null;
    this.#buffer = [];
  }

  #hold(event: E): void {
    this.#buffer.push(event);
    // Dropping the oldest is safe: anything after the anchor that is not buffered is read from history.
    const max = this.#o.maxBuffered ?? 5_000;
    if (this.#buffer.length > max) this.#buffer.splice(0, this.#buffer.length - max);
  }

  #deliver(event: E): void {
    if (typeof event.seq === 'number') {
      if (this.#lastSeq !== null && event.seq <= this.#lastSeq) return; // seen already
      this.#lastSeq = event.seq;
    } else {
      // No position to compare: the id, in a bounded memory (a Set iterates oldest first).
      if (this.#unsequenced.has(event.id)) return;
      this.#unsequenced.add(event.id);
      if (this.#unsequenced.size > (this.#o.maxUnsequencedIds ?? 500)) {
        const oldest = this.#unsequenced.values().next().value;
        if (oldest !== undefined) this.#unsequenced.delete(oldest);
      }
    }
    if (this.#skip.delete(event.id)) return;
    this.#o.onEvent(event);
  }

  #catchUp(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#catchingUp;
    }
    if (this.#lastSeq === null || this.stopped) return Promise.resolve();
    this.#running = true;
    this.#catchingUp = this.#runCatchUp();
    return this.#catchingUp;
  }

  async #runCatchUp(): Promise<void> {
    // The flag is cleared in the same step as the body ends (not one await later): a request for a
    // catch-up that comes in between would otherwise be taken for one already running and lost.
    try {
      await this.#readAndReplay();
    } finally {
      this.#running = false;
      // Asked for again, or live events held in the last step: once more.
      if ((this.#again || this.#buffer.length > 0) && this.#lastSeq !== null && !this.stopped) void this.#catchUp();
    }
  }

  async #readAndReplay(): Promise<void> {
    const pageSize = this.#o.pageSize ?? 200;
    // Every event that was buffered before this read began had all its predecessors committed before it
    // was published: a hole below it that the store does not fill is permanent (retention), not late.
    let settledUpTo = this.#maxBufferedSeq();
    for (;;) {
      this.#again = false;
      const generation = this.#generation;
      const afterSeq = this.#lastSeq;
      if (afterSeq === null) return; // unanchored meanwhile: the next anchor starts over
      let page: readonly E[];
      try {
        page = await retryWithBackoff(() => this.#o.fetchAfter(afterSeq, pageSize, this.#abort.signal), {
          ...this.#o.backoff,
          signal: this.#abort.signal,
          onError: this.#o.onError,
        });
      } catch {
        return; // stopped
      }
      if (this.stopped) return;
      if (generation !== this.#generation) {
        settledUpTo = this.#maxBufferedSeq();
        continue; // anchored again while reading: read again from the new position
      }
      for (const event of page) this.#deliver(event);
      if (page.length === pageSize) continue;
      // The store has nothing more: replay what arrived live, in order.
      const buffered = this.#buffer.splice(0).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
      let hole = false;
      for (const event of buffered) {
        if (typeof event.seq === 'number' && event.seq > this.#lastSeq! + 1 && event.seq > settledUpTo) {
          this.#hold(event);
          hole = true;
          continue;
        }
        this.#deliver(event);
      }
      if (!hole && !this.#again) return;
      settledUpTo = this.#maxBufferedSeq();
    }
  }

  #maxBufferedSeq(): number {
    let max = -1;
    for (const e of this.#buffer) if (typeof e.seq === 'number' && e.seq > max) max = e.seq;
    return max;
  }
}
