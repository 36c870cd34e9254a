import type { Centrifuge, Subscription, SubscriptionOptions } from 'centrifuge';

/** Where a stream gets its subscription: shared per channel, released when the last holder goes. */
export interface SubscriptionSource {
  /** The subscription of `channel`, subscribed; every `acquire` needs one `release`. */
  acquire(channel: string): Subscription;
  release(subscription: Subscription): void;
}

export interface SubscriptionPoolOptions {
  /** Subscription token of a channel; '' = no permission (the SDK unsubscribes instead of retrying). */
  getToken: (ctx: { channel: string }) => Promise<string>;
  /** Other options of every subscription (recovery and positioning are forced by the namespaces). */
  subscription?: Omit<SubscriptionOptions, 'getToken' | 'token'>;
}

/**
 * Subscriptions of one Centrifuge client shared by everyone who holds a channel: created and subscribed
 * on the first `acquire`, unsubscribed and removed on the last `release`. Centrifuge throws when a
 * channel is subscribed twice on one client, hence the counting.
 */
export class SubscriptionPool implements SubscriptionSource {
  readonly #holders = new Map<string, number>();

  constructor(
    readonly client: Centrifuge,
    private readonly options: SubscriptionPoolOptions,
  ) {}

  acquire(channel: string): Subscription {
    let subscription = this.client.getSubscription(channel);
    if (!subscription) subscription = this.client.newSubscription(channel, { ...this.options.subscription, getToken: this.options.getToken });
    this.#holders.set(channel, (this.#holders.get(channel) ?? 0) + 1);
    if (subscription.state === 'unsubscribed') subscription.subscribe();
    return subscription;
  }

  release(subscription: Subscription): void {
    const channel = subscription.channel;
    // A subscription of a client dropped meanwhile (logout) is already gone; only the current one counts.
    if (this.client.getSubscription(channel) !== subscription) return;
    const remaining = (this.#holders.get(channel) ?? 1) - 1;
    if (remaining > 0) {
      this.#holders.set(channel, remaining);
      return;
    }
    this.#holders.delete(channel);
    subscription.unsubscribe();
    this.client.removeSubscription(subscription);
  }

  /** Forgets every subscription (the client is being dropped). */
  clear(): void {
    this.#holders.clear();
    for (const subscription of Object.values(this.client.subscriptions())) this.client.removeSubscription(subscription);
  }
}
