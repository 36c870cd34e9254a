import { Centrifuge, UnauthorizedError, type Subscription, type State } from 'centrifuge';
import type { TokenResponse } from '@neo/contracts';

/** The client's connection state, as plain strings (Centrifuge's `State` enum values). */
export type ConnectionState = `${State}`;

/** The one real-time connection of this tab, as the composables see it. */
export interface RealtimeClient {
  /** Reactive connection state; `'disconnected'` until something connects. */
  readonly state: Readonly<Ref<ConnectionState>>;
  /** Connects (once) when a user is logged in; a no-op otherwise or when already connecting. */
  connect(): void;
  /**
   * A subscription to `channel`, shared by everyone who holds it: created on the first `acquire` and
   * subscribed, unsubscribed and removed on the last `release`. Centrifuge throws when a channel is
   * subscribed twice on one client, hence the counting.
   */
  acquire(channel: string): Subscription;
  release(subscription: Subscription): void;
}

export default defineNuxtPlugin(() => {
  const config = useRuntimeConfig();
  const auth = useAuth();
  const state = shallowRef<ConnectionState>('disconnected');

  let client: Centrifuge | null = null;
  const holders = new Map<string, number>();

  /** POSTs a token request; 401/403 become `null` so each caller decides what a refusal means. */
  async function requestToken(path: string, body?: unknown): Promise<string | null> {
    try {
      const answer = await auth.apiFetch<TokenResponse>(path, { method: 'POST', body: body ?? {} });
      return answer.token;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
      // Anything else (network, 5xx) is temporary: rethrowing lets the SDK retry with backoff.
      throw error;
    }
  }

  // Created lazily: a tab that never logs in (the login page) never opens a WebSocket.
  function getClient(): Centrifuge {
    if (client) return client;
    const created = new Centrifuge(config.public.centrifugoWs, {
      // Asked again whenever the SDK needs a token (first connect, expiry), never from a cached one:
      // a refused token means the user may not connect at all, so the SDK must stop, not retry.
      getToken: async () => {
        const token = await requestToken('/v1/realtime/connection-token');
        if (token === null) throw new UnauthorizedError('connection token refused');
        return token;
      },
    });
    created.on('state', (ctx) => {
      state.value = ctx.newState;
    });
    client = created;
    return created;
  }

  function connect(): void {
    if (!auth.isLoggedIn.value) return;
    const current = getClient();
    if (current.state === 'disconnected') current.connect();
  }

  function acquire(channel: string): Subscription {
    const current = getClient();
    let subscription = current.getSubscription(channel);
    if (!subscription) {
      subscription = current.newSubscription(channel, {
        // Recovery and positioning are left to the server: the namespace configs force them.
        getToken: async (ctx) => {
          const token = await requestToken('/v1/realtime/subscription-token', { channel: ctx.channel });
          // '' tells the SDK the user has no permission: it unsubscribes instead of retrying forever.
          return token ?? '';
        },
      });
    }
    holders.set(channel, (holders.get(channel) ?? 0) + 1);
    if (subscription.state === 'unsubscribed') subscription.subscribe();
    connect();
    return subscription;
  }

  function release(subscription: Subscription): void {
    const channel = subscription.channel;
    // A subscription of a client dropped at logout is already gone; only the current one counts.
    if (!client || client.getSubscription(channel) !== subscription) return;
    const remaining = (holders.get(channel) ?? 1) - 1;
    if (remaining > 0) {
      holders.set(channel, remaining);
      return;
    }
    holders.delete(channel);
    subscription.unsubscribe();
    client.removeSubscription(subscription);
  }

  // At logout (or when another user signs in) the client is dropped rather than only disconnected: it
  // caches its connection token, and the next user of this tab must not reconnect with the previous
  // user's identity. A renewed token of the same user changes nothing here: the SDK asks for a
  // connection token when it needs one, and `apiFetch` sends the current platform token.
  watch(
    () => auth.user.value?.id ?? null,
    (userId, previous) => {
      if (userId === previous || !client) return;
      const old = client;
      client = null;
      holders.clear();
      old.disconnect();
      for (const subscription of Object.values(old.subscriptions())) old.removeSubscription(subscription);
      state.value = 'disconnected';
    },
  );

  const realtime: RealtimeClient = { state: readonly(state), connect, acquire, release };
  return { provide: { realtime } };
});
