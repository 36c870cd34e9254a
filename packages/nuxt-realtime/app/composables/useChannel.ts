import type { PublicationContext, Subscription, SubscriptionStateContext } from 'centrifuge';

/**
 * For channels that are not an event stream (no `seq`, nothing to catch up): the per-user read-state
 * channel, and `instance_status` announcements whose state is read again on every resubscribe. Event
 * streams join through `useLiveStream` (the engine) instead.
 *
 * Subscribes to `channel` for as long as the calling component (or effect scope) lives, calling
 * `onPublication` with each publication's data. An empty channel name means "nothing to subscribe
 * to" (e.g. no tenant yet). When the name changes, the old channel is released and the new one taken.
 *
 * Components that watch the same channel share one Centrifuge subscription; it is unsubscribed and
 * removed when the last of them goes away.
 */
export function useChannel<T = unknown>(
  channel: MaybeRefOrGetter<string>,
  onPublication: (data: T, ctx: PublicationContext) => void,
) {
  const realtime = useRealtimeClient();
  const state = shallowRef<ChannelState>('unsubscribed');
  let current: Subscription | null = null;

  const handleState = (ctx: SubscriptionStateContext) => {
    state.value = ctx.newState;
  };
  // The data is typed by the caller's contract; Centrifuge itself only knows JSON.
  const handlePublication = (ctx: PublicationContext) => onPublication(ctx.data as T, ctx);

  function detach(): void {
    if (!current) return;
    current.off('state', handleState);
    current.off('publication', handlePublication);
    realtime.release(current);
    current = null;
    state.value = 'unsubscribed';
  }

  function attach(name: string): void {
    const subscription = realtime.acquire(name);
    subscription.on('state', handleState);
    subscription.on('publication', handlePublication);
    state.value = subscription.state;
    current = subscription;
  }

  useChannelLifecycle(channel, attach, detach);

  const isSubscribed = computed(() => state.value === 'subscribed');
  return { state: readonly(state), isSubscribed };
}
