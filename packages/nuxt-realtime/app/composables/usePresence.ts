import { tenantChannel, type EventData, type PresenceMember, type PresenceStatus, type StreamPosition } from '@neo/contracts';
import type { JoinContext, LeaveContext, PublicationContext, Subscription, SubscriptionStateContext } from 'centrifuge';

export type { PresenceMember };

const STATUS_RANK: Record<PresenceStatus, number> = { online: 0, busy: 1, away: 2, offline: 3 };

/** Me first, then online > busy > away > offline, then by name. Pure. */
export function sortMembers(list: readonly PresenceMember[], meId: string | null, locale = 'es-MX'): PresenceMember[] {
  return [...list].sort((a, b) => {
    if (a.userId === meId) return -1;
    if (b.userId === meId) return 1;
    return STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.userName.localeCompare(b.userName, locale);
  });
}

/** A reload after join/leave, coalesced: a tab opening several subscriptions causes one request (ms). */
const RELOAD_DEBOUNCE_MS = 300;

/**
 * Who of a tenant is here: the list from the service (status, page, last seen, connections), kept live by
 * `presence_update` publications and Centrifugo's join/leave on `presence:{tenantId}`. Holding it also
 * makes this tab present (Centrifugo's presence counts subscribers). Released when the scope ends.
 */
export function usePresence(tenantId: MaybeRefOrGetter<string>) {
  const realtime = useRealtimeClient();
  const { user, apiFetch } = useAuth();
  const { t, locale } = useT();
  const members = ref<PresenceMember[]>([]);
  const status = ref<'loading' | 'ready' | 'error'>('loading');
  const error = ref<string | null>(null);

  let subscription: Subscription | null = null;
  let position: StreamPosition | null = null;
  let loading = false;
  let buffer: PublicationContext[] = [];
  let reloadTimer: ReturnType<typeof setTimeout> | null = null;

  function upsert(userId: string, change: (current: PresenceMember | null) => PresenceMember | null): void {
    const index = members.value.findIndex((m) => m.userId === userId);
    const next = change(index >= 0 ? members.value[index]! : null);
    if (!next) return;
    if (index >= 0) members.value.splice(index, 1, next);
    else members.value.push(next);
  }

  function applyPublication(ctx: PublicationContext): void {
    const event = ctx.data as { type?: string; data?: EventData<'presence_update'> };
    if (event.type !== 'presence_update' || !event.data) return;
    const data = event.data;
    upsert(data.userId, (current) => ({
      userId: data.userId,
      userName: data.userName,
      status: data.status,
      currentPage: data.status === 'offline' ? null : (data.currentPage ?? null),
      lastSeen: data.lastSeen,
      // A status from the service says they are here (or gone); the count comes with join/leave.
      connections: data.status === 'offline' ? 0 : Math.max(1, current?.connections ?? 1),
    }));
  }

  const onPublication = (ctx: PublicationContext) => {
    if (loading) {
      buffer.push(ctx);
      return;
    }
    applyPublication(ctx);
  };

  const onJoin = (ctx: JoinContext) => {
    const { user: userId, connInfo } = ctx.info;
    const name = (connInfo as { name?: string } | undefined)?.name ?? userId;
    upsert(userId, (current) => ({
      userId,
      userName: current?.userName ?? name,
      status: current && current.status !== 'offline' ? current.status : 'online',
      currentPage: current?.currentPage ?? null,
      lastSeen: new Date().toISOString(),
      connections: (current?.connections ?? 0) + 1,
    }));
    scheduleReload();
  };

  const onLeave = (ctx: LeaveContext) => {
    upsert(ctx.info.user, (current) => {
      if (!current) return null;
      const connections = Math.max(0, current.connections - 1);
      // Their last connection went: offline now; the service stores last seen and confirms it.
      return connections > 0 ? { ...current, connections } : { ...current, connections, status: 'offline', currentPage: null, lastSeen: new Date().toISOString() };
    });
    scheduleReload();
  };

  const onState = (ctx: SubscriptionStateContext) => {
    // (Re)subscribed: join/leave may have been missed while away, the list is read again.
    if (ctx.newState === 'subscribed') void load();
  };

  function scheduleReload(): void {
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => void load(), RELOAD_DEBOUNCE_MS);
  }

  async function load(): Promise<void> {
    const id = toValue(tenantId);
    if (!id) return;
    loading = true;
    if (members.value.length === 0) status.value = 'loading';
    error.value = null;
    try {
      const answer = await apiFetch<{ members: PresenceMember[]; position: StreamPosition | null }>(`/v1/tenants/${encodeURIComponent(id)}/presence`);
      members.value = answer.members;
      position = answer.position;
      status.value = 'ready';
    } catch (err) {
      error.value = err instanceof ApiError ? err.problem.detail : t('error.network');
      status.value = 'error';
    } finally {
      loading = false;
      // Publications at or before the position read with the list are in it already; later ones apply.
      const pending = buffer.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
      buffer = [];
      for (const ctx of pending) {
        if (position && ctx.offset !== undefined && ctx.offset <= position.offset) continue;
        applyPublication(ctx);
      }
    }
  }

  function detach(): void {
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = null;
    if (!subscription) return;
    subscription.off('publication', onPublication);
    subscription.off('join', onJoin);
    subscription.off('leave', onLeave);
    subscription.off('state', onState);
    realtime.release(subscription);
    subscription = null;
  }

  if (import.meta.client) {
    watch(
      () => toValue(tenantId),
      (id) => {
        detach();
        members.value = [];
        if (!id) return;
        // Subscribed first, the list read after: nothing published in between is lost (buffered).
        loading = true;
        subscription = realtime.acquire(tenantChannel('presence', id));
        subscription.on('publication', onPublication);
        subscription.on('join', onJoin);
        subscription.on('leave', onLeave);
        subscription.on('state', onState);
        if (subscription.state === 'subscribed') void load();
      },
      { immediate: true },
    );
    onScopeDispose(detach);
  }

  const sorted = computed(() => sortMembers(members.value, user.value?.id ?? null, locale.value));
  const online = computed(() => members.value.filter((m) => m.status !== 'offline').length);
  return { members: sorted, online, status, error, load };
}
