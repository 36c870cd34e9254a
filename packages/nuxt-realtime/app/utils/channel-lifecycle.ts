import type { SubscriptionState } from 'centrifuge';
import { onScopeDispose, toValue, watch, type MaybeRefOrGetter } from 'vue';

/** A subscription's state, as plain strings (Centrifuge's `SubscriptionState` values). */
export type ChannelState = `${SubscriptionState}`;

/**
 * Keeps one thing (a shared subscription, a live stream) attached to the channel `channel` names, for
 * as long as the calling component or effect scope lives. The one lifecycle of `useChannel` and
 * `useLiveStream`; internal to the layer.
 *
 * - An empty name means "nothing to subscribe to" (no tenant yet, a signed-out user): nothing is
 *   attached until a name comes.
 * - A name change releases the old channel first (`detach`), then takes the new one (`attach`), so a
 *   component never holds two.
 * - The end of the scope detaches. `detach` is also called when nothing is attached, so it must be safe
 *   then (a no-op).
 *
 * Client only: on the server (SSR) there is no real-time connection, so nothing is attached.
 * Explicit Vue imports (not Nuxt's auto-imports), so a unit test can run it in an effect scope.
 */
export function useChannelLifecycle(channel: MaybeRefOrGetter<string>, attach: (name: string) => void, detach: () => void): void {
  // `import.meta.server` (not `!import.meta.client`): Nuxt sets it at build time, and it is undefined
  // outside a Nuxt build, where the unit test runs.
  if (import.meta.server) return;
  watch(
    () => toValue(channel),
    (name) => {
      detach();
      if (name) attach(name);
    },
    { immediate: true },
  );
  onScopeDispose(detach);
}
