import { effectScope, type EffectScope, type ShallowRef } from 'vue';

/** The tab's presence while a tenant member is logged in: the live list and this user's own status. */
export interface TenantPresence {
  tenantId: string;
  list: ReturnType<typeof usePresence>;
  me: ReturnType<typeof useMyPresence>;
}

/**
 * Presence lives as long as the login, not as long as a page: holding `presence:{tenantId}` here keeps
 * the user present across navigations (a page-level subscription would leave and join on every route
 * change). Operators (no tenant) have none.
 */
export default defineNuxtPlugin((nuxtApp) => {
  const { user } = useAuth();
  const current = shallowRef<TenantPresence | null>(null);
  let scope: EffectScope | null = null;

  watch(
    () => (user.value?.tenantId ? `${user.value.id}@${user.value.tenantId}` : ''),
    (key) => {
      scope?.stop();
      scope = null;
      current.value = null;
      const tenantId = user.value?.tenantId;
      if (!key || !tenantId) return;
      const created = effectScope(true);
      scope = created;
      nuxtApp.runWithContext(() =>
        created.run(() => {
          const list = usePresence(tenantId);
          const me = useMyPresence(tenantId);
          current.value = { tenantId, list, me };
          const meId = user.value!.id;
          usePresenceNotices(list.members, computed(() => list.status.value === 'ready'), meId);
          // One status per person across devices: busy chosen on another device shows here too.
          watch(
            () => list.members.value.find((m) => m.userId === meId)?.status,
            (status) => {
              if (status === 'online' || status === 'busy') me.adopt(status);
            },
          );
        }),
      );
    },
    { immediate: true },
  );

  return { provide: { presence: current as Readonly<ShallowRef<TenantPresence | null>> } };
});
