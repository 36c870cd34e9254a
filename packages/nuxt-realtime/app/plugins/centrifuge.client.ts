import { Centrifuge, UnauthorizedError, type Subscription, type State } from 'centrifuge';
import type { TokenResponse } from '@neo/contracts';
import { SubscriptionPool, type SubscriptionSource } from '@neo/realtime-client';

/** The client's connection state, as plain strings (Centrifuge's `State` enum values). */
export type ConnectionState = `${State}`;

/** The one real-time connection of this tab, as the composables see it. */
export interface RealtimeClient extends SubscriptionSource {
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

  let pool: SubscriptionPool | null = null;

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
  function getPool(): SubscriptionPool {
    if (pool) return pool;
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
    // Subscriptions shared per channel, counted by the engine's pool. Recovery and positioning are
    // left to the server: the namespace configs force them.
    pool = new SubscriptionPool(created, {
      getToken: async (ctx) => {
        const token = await requestToken('/v1/realtime/subscription-token', { channel: ctx.channel });
        // '' tells the SDK the user has no permission: it unsubscribes instead of retrying forever.
        return token ?? '';
      },
    });
    return pool;
  }

  function connect(): void {
    if (!auth.isLoggedIn.value) return;
    const current = getPool().client;
    if (current.state === 'disconnected') current.connect();
  }

  function acquire(channel: string): Subscription {
    const subscription = getPool().acquire(channel);
    connect();
    return subscription;
  }

  function release(subscription: Subscription): void {
    // A subscription of a client dropped at logout is already gone.
    pool?.release(subscription);
  }

  // At logout (or when another user signs in) the client is dropped rather than only disconnected: it
  // caches its connection token, and the next user of this tab must not reconnect with the previous
  // user's identity. A renewed token of the same user changes nothing here: the SDK asks for a
  // connection token when it needs one, and `apiFetch` sends the current platform token.
  watch(
    () => auth.user.value?.id ?? null,
    (userId, previous) => {
      if (userId === previous || !pool) return;
      const old = pool;
      pool = null;
      old.client.disconnect();
      old.clear();
      state.value = 'disconnected';
    },
  );

  const realtime: RealtimeClient = { state: readonly(state), connect, acquire, release };
  return { provide: { realtime } };
});
