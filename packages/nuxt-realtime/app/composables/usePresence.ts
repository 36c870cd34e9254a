import { tenantChannel, type ChannelEventMap, type PresenceListResponse, type PresenceMember, type PresenceStatus } from '@neo/contracts';
import type { JoinContext, LeaveContext } from 'centrifuge';

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

/** What `presence:{tenantId}` carries. */
type PresenceEvent = ChannelEventMap['presence'];

/**
 * Who of a tenant is here: the list from the service (status, page, last seen, connections), kept live by
 * `presence_update` publications and Centrifugo's join/leave on `presence:{tenantId}` (the engine's offset
 * mode: the list is read once subscribed, and again after every resubscribe, since join/leave are not in
 * any history). Holding it also makes this tab present (Centrifugo's presence counts subscribers).
 */
export function usePresence(tenantId: MaybeRefOrGetter<string>) {
  const { user, apiFetch } = useAuth();
  const { locale } = useT();
  const members = ref<PresenceMember[]>([]);
  let reloadTimer: ReturnType<typeof setTimeout> | null = null;

  function upsert(userId: string, change: (current: PresenceMember | null) => PresenceMember | null): void {
    const index = members.value.findIndex((m) => m.userId === userId);
    const next = change(index >= 0 ? members.value[index]! : null);
    if (!next) return;
    if (index >= 0) members.value.splice(index, 1, next);
    else members.value.push(next);
  }

  function applyPublication(event: PresenceEvent): void {
    if (event.type !== 'presence_update') return;
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

  type Answer = PresenceListResponse;
  const resource = useLiveResource<Answer, PresenceEvent>({
    channel: () => (toValue(tenantId) ? tenantChannel('presence', toValue(tenantId)) : ''),
    mode: 'offset',
    fetch: () => apiFetch<Answer>(`/v1/tenants/${encodeURIComponent(toValue(tenantId))}/presence`),
    accept: (answer) => {
      members.value = answer.members;
      return { position: answer.position };
    },
    apply: applyPublication,
    reset: () => {
      members.value = [];
    },
    onJoin,
    onLeave,
  });

  function scheduleReload(): void {
    if (reloadTimer) clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => void resource.load(), RELOAD_DEBOUNCE_MS);
  }
  if (getCurrentScope()) onScopeDispose(() => reloadTimer && clearTimeout(reloadTimer));

  const sorted = computed(() => sortMembers(members.value, user.value?.id ?? null, locale.value));
  const online = computed(() => members.value.filter((m) => m.status !== 'offline').length);
  return { members: sorted, online, status: resource.status, error: resource.error, load: resource.load };
}
