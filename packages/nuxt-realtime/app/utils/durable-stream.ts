// Framework-agnostic (no Vue): used by the portal's composables and by Node tests and tools alike.
import type { Centrifuge, PublicationContext, Subscription, SubscribedContext } from 'centrifuge';
import type { AnyEventEnvelope } from '@neo/contracts';

export interface DurableStreamOptions {
  client: Centrifuge;
  channel: string;
  /** Subscription token for `channel` ('' = no permission). */
  getToken: (ctx: { channel: string }) => Promise<string>;
  /**
   * Stored events of `channel` after stream sequence `afterSeq`, oldest first (the history API's
   * `afterSeq` mode). Used to fill a gap Centrifugo could not recover (restart, history expired).
   */
  fetchAfter: (channel: string, afterSeq: number, limit: number) => Promise<AnyEventEnvelope[]>;
  /** Called once per event, in stream order. */
  onEvent: (event: AnyEventEnvelope) => void;
  /** Last sequence already applied (e.g. from state loaded over HTTP). Default: none. */
  afterSeq?: number;
  /** Page size of catch-up requests. Default 200. */
  pageSize?: number;
  onError?: (err: unknown) => void;
}

/**
 * A subscription that delivers every event of a channel exactly once and in order, even across a
 * Centrifugo restart or a history window that ran out: Centrifugo's own recovery covers short drops;
 * when it cannot (`recovered: false`) or a sequence number is skipped, the missing events are read from
 * the service's durable history, while live ones wait in a buffer.
 */
export class DurableStream {
  readonly subscription: Subscription;
  #lastSeq: number | null;
  #buffer: AnyEventEnvelope[] = [];
  #catchingUp = false;
  #stopped = false;
  readonly #o: DurableStreamOptions;

  constructor(options: DurableStreamOptions) {
    this.#o = options;
    this.#lastSeq = options.afterSeq ?? null;
    this.subscription = options.client.getSubscription(options.channel) ?? options.client.newSubscription(options.channel, { getToken: options.getToken });
    this.subscription.on('publication', this.#onPublication);
    this.subscription.on('subscribed', this.#onSubscribed);
  }

  /** The sequence of the last event delivered. */
  get lastSeq(): number | null {
    return this.#lastSeq;
  }

  start(): void {
    this.subscription.subscribe();
  }

  stop(): void {
    this.#stopped = true;
    this.subscription.removeListener('publication', this.#onPublication);
    this.subscription.removeListener('subscribed', this.#onSubscribed);
    this.subscription.unsubscribe();
    this.#o.client.removeSubscription(this.subscription);
  }

  readonly #onPublication = (ctx: PublicationContext) => {
    const event = ctx.data as AnyEventEnvelope;
    if (this.#catchingUp) {
      this.#buffer.push(event);
      return;
    }
    if (typeof event.seq === 'number' && this.#lastSeq !== null && event.seq > this.#lastSeq + 1) {
      // A hole: something was published that we never saw. Fill it from the store before going on.
      this.#buffer.push(event);
      void this.#catchUp();
      return;
    }
    this.#deliver(event);
  };

  readonly #onSubscribed = (ctx: SubscribedContext) => {
    if (ctx.wasRecovering && !ctx.recovered) void this.#catchUp();
    else if (!ctx.wasRecovering && this.#lastSeq !== null) void this.#catchUp(); // first subscribe after loaded state
  };

  #deliver(event: AnyEventEnvelope): void {
    if (typeof event.seq === 'number') {
      if (this.#lastSeq !== null && event.seq <= this.#lastSeq) return; // seen already
      this.#lastSeq = event.seq;
    }
    this.#o.onEvent(event);
  }

  async #catchUp(): Promise<void> {
    if (this.#catchingUp || this.#stopped) return;
    this.#catchingUp = true;
    let delay = 200;
    try {
      for (;;) {
        try {
          const pageSize = this.#o.pageSize ?? 200;
          let page: AnyEventEnvelope[];
          do {
            page = await this.#o.fetchAfter(this.#o.channel, this.#lastSeq ?? 0, pageSize);
            page.forEach((e) => this.#deliver(e));
          } while (page.length === pageSize && !this.#stopped);
          break;
        } catch (err) {
          this.#o.onError?.(err);
          if (this.#stopped) return;
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(5000, delay * 2);
        }
      }
    } finally {
      this.#catchingUp = false;
    }
    // Live events that arrived meanwhile, in order; a hole among them starts another catch-up.
    const buffered = this.#buffer.splice(0).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    for (const event of buffered) this.#onPublication({ data: event } as PublicationContext);
  }
}
