import type { JoinContext, LeaveContext, PublicationContext, Subscription, SubscribedContext, SubscriptionState, SubscriptionStateContext } from 'centrifuge';
import type { OffsetAnchor, SeqAnchor, SequencedEvent } from './anchor';
import { OffsetStream } from './offset-stream';
import { SeqStream, type SeqStreamOptions } from './seq-stream';
import type { SubscriptionSource } from './subscription-pool';

interface CommonOptions {
  /** Where the subscription comes from (a `SubscriptionPool`, the portal plugin's). */
  source: SubscriptionSource;
  channel: string;
  /** Centrifugo's join/leave of the channel (presence). */
  onJoin?: (ctx: JoinContext) => void;
  onLeave?: (ctx: LeaveContext) => void;
  /** The subscription's state changed. */
  onState?: (state: `${SubscriptionState}`) => void;
}

/** A durable channel: positions are the events' `seq`, holes are read from the service's history. */
export interface SeqModeOptions<E extends SequencedEvent> extends CommonOptions, SeqStreamOptions<E> {
  mode?: 'seq';
}

/** A channel whose state lives elsewhere (presence): positions are Centrifugo's offsets, holes reload. */
export interface OffsetModeOptions<E> extends CommonOptions {
  mode: 'offset';
  onEvent: (event: E, offset: number | undefined) => void;
  reload: () => void;
}

export type LiveStreamOptions<E extends SequencedEvent> = SeqModeOptions<E> | OffsetModeOptions<E>;
export type LiveAnchor = SeqAnchor | OffsetAnchor;

/**
 * THE client engine, bound to a Centrifuge subscription: what the portal's composables run and what the
 * delivery tests drive. `start()` subscribes; `anchor()` tells where state loaded over HTTP stands; from
 * then on `onEvent` gets each later event once, in order, across reconnects, recoveries and holes.
 *
 * Publications are JSON to Centrifuge: their type is the caller's `E`, chosen by channel from the
 * contract (the one place the data is taken as that type).
 */
export class LiveStream<E extends SequencedEvent> {
  readonly channel: string;
  readonly #o: LiveStreamOptions<E>;
  readonly #seq: SeqStream<E> | null;
  readonly #offset: OffsetStream<E> | null;
  #subscription: Subscription | null = null;

  constructor(options: LiveStreamOptions<E>) {
    this.#o = options;
    this.channel = options.channel;
    if (options.mode === 'offset') {
      this.#seq = null;
      this.#offset = new OffsetStream<E>({ onEvent: options.onEvent, reload: options.reload });
    } else {
      this.#seq = new SeqStream<E>(options);
      this.#offset = null;
    }
  }

  /** The subscription, once started. */
  get subscription(): Subscription | null {
    return this.#subscription;
  }

  /** The subscription's state (`'unsubscribed'` before `start`). */
  get state(): `${SubscriptionState}` {
    return this.#subscription?.state ?? 'unsubscribed';
  }

  /** Seq mode: the last sequence delivered or anchored. */
  get lastSeq(): number | null {
    return this.#seq?.lastSeq ?? null;
  }

  get anchored(): boolean {
    return (this.#seq ?? this.#offset)!.anchored;
  }

  /** Subscribes (sharing the channel's subscription with other holders) and returns the subscription. */
  start(): Subscription {
    if (this.#subscription) return this.#subscription;
    const subscription = this.#o.source.acquire(this.channel);
    subscription.on('publication', this.#onPublication);
    subscription.on('subscribed', this.#onSubscribed);
    subscription.on('state', this.#onState);
    if (this.#o.onJoin) subscription.on('join', this.#o.onJoin);
    if (this.#o.onLeave) subscription.on('leave', this.#o.onLeave);
    this.#subscription = subscription;
    // Shared and already subscribed: no `subscribed` event will come for this holder.
    if (subscription.state === 'subscribed') this.#subscribed({ wasRecovering: false, recovered: false });
    return subscription;
  }

  /** Where freshly loaded state stands: `{ streamSeq, … }` in seq mode, `{ position }` in offset mode. */
  anchor(at: LiveAnchor): void {
    if (this.#seq) {
      if (!('streamSeq' in at)) throw new TypeError(`${this.channel}: a seq-mode stream anchors on a streamSeq`);
      this.#seq.anchor(at);
    } else {
      this.#offset!.anchor('position' in at ? at : { position: null });
    }
  }

  /** The state is being loaded again: hold live events until the next `anchor`. */
  unanchor(): void {
    (this.#seq ?? this.#offset)!.unanchor();
  }

  /** Resolves once no catch-up read is running. */
  idle(): Promise<void> {
    return this.#seq?.idle() ?? Promise.resolve();
  }

  stop(): void {
    this.#seq?.stop();
    this.#offset?.stop();
    const subscription = this.#subscription;
    if (!subscription) return;
    this.#subscription = null;
    subscription.off('publication', this.#onPublication);
    subscription.off('subscribed', this.#onSubscribed);
    subscription.off('state', this.#onState);
    if (this.#o.onJoin) subscription.off('join', this.#o.onJoin);
    if (this.#o.onLeave) subscription.off('leave', this.#o.onLeave);
    this.#o.source.release(subscription);
  }

  readonly #onPublication = (ctx: PublicationContext) => {
    const event = ctx.data as E;
    if (this.#seq) this.#seq.receive(event);
    else this.#offset!.receive(event, ctx.offset);
  };

  readonly #onSubscribed = (ctx: SubscribedContext) => this.#subscribed(ctx);

  #subscribed(info: { wasRecovering: boolean; recovered: boolean }): void {
    if (this.#seq) this.#seq.subscribed(info);
    else this.#offset!.subscribed();
  }

  readonly #onState = (ctx: SubscriptionStateContext) => this.#o.onState?.(ctx.newState);
}
