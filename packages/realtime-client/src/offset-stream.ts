import type { OffsetAnchor } from './anchor';

export interface OffsetStreamOptions<E> {
  /** Called once per publication after the anchored position, in offset order. */
  onEvent: (event: E, offset: number | undefined) => void;
  /**
   * Loads the state again, then `anchor`s. Called on every (re)subscribe (what happened while away,
   * join/leave included, is not all in Centrifugo's history) and on a hole in the offsets.
   */
  reload: () => void;
  /** Most publications kept while not anchored; the oldest go first (the reload covers them). Default 1000. */
  maxBuffered?: number;
}

interface Held<E> {
  event: E;
  offset: number | undefined;
}

/**
 * The engine's core for channels whose state is not in the durable history (presence): positions are
 * Centrifugo's offsets, read by the state's route before the state. Publications wait while the state
 * loads; those at or before its position are in it, later ones are applied in order. A hole in the
 * offsets or a resubscribe loads the state again (no catch-up from a history: there is none to trust).
 */
export class OffsetStream<E> {
  readonly #o: OffsetStreamOptions<E>;
  #anchored = false;
  #lastOffset: number | null = null;
  #buffer: Held<E>[] = [];
  #stopped = false;

  constructor(options: OffsetStreamOptions<E>) {
    this.#o = options;
  }

  get anchored(): boolean {
    return this.#anchored;
  }

  /** The state is being loaded again: hold publications until the next `anchor`. */
  unanchor(): void {
    this.#anchored = false;
  }

  anchor(at: OffsetAnchor): void {
    if (this.#stopped) return;
    this.#anchored = true;
    this.#lastOffset = at.position?.offset ?? null;
    const pending = this.#buffer.splice(0).sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
    for (const held of pending) this.receive(held.event, held.offset);
  }

  receive(event: E, offset: number | undefined): void {
    if (this.#stopped) return;
    if (!this.#anchored) {
      this.#buffer.push({ event, offset });
      const max = this.#o.maxBuffered ?? 1_000;
      if (this.#buffer.length > max) this.#buffer.splice(0, this.#buffer.length - max);
      return;
    }
    if (offset !== undefined && this.#lastOffset !== null) {
      if (offset <= this.#lastOffset) return; // in the state already, or a repeat
      if (offset > this.#lastOffset + 1) {
        // Missed something Centrifugo did not redeliver: the state is read again.
        this.#anchored = false;
        this.#buffer.push({ event, offset });
        this.#o.reload();
        return;
      }
    }
    if (offset !== undefined) this.#lastOffset = offset;
    this.#o.onEvent(event, offset);
  }

  subscribed(): void {
    if (this.#stopped) return;
    this.#anchored = false;
    this.#o.reload();
  }

  stop(): void {
    this.#stopped = true;
    this.#buffer = [];
  }
}
