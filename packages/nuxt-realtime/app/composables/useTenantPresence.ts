import type { ShallowRef } from 'vue';
import type { TenantPresence } from '../plugins/presence.client';

/** The tab's presence (list and own status) held by the `presence.client` plugin; null without a tenant. */
export function useTenantPresence(): Readonly<ShallowRef<TenantPresence | null>> {
  if (import.meta.server) return shallowRef(null);
  return useNuxtApp().$presence;
}
