import { adminChannel, tenantChannel, type AlertListResponse, type AlertSeverity, type AlertView, type ChannelEventMap } from '@neo/contracts';

/** What `alerts:{tenantId}` and `admin:alerts` carry. */
export type AlertPublication = ChannelEventMap['alerts'] | ChannelEventMap['admin:alerts'];

// Live `alert` events are folded into the routes' shape (AlertView, from the contract).
export type { AlertSeverity, AlertView };

/** `'admin'`: the platform's alerts (operators); a tenant id: that tenant's (needs `alerts:read`). */
export type AlertScope = 'admin' | { tenantId: string };

/** Alerts kept in the list: every open one, and the most recent resolved ones up to this count. */
const MAX_ALERTS = 50;

/** Folds one live `alert` event into the list: open adds, updated changes, resolved closes. Pure. */
export function applyAlertEvent(list: readonly AlertView[], event: AlertPublication): AlertView[] {
  if (event.type !== 'alert') return [...list];
  const data = event.data;
  const id = data.alertId ?? event.id;
  const existing = list.find((a) => a.alertId === id);
  const next: AlertView = {
    alertId: id,
    rule: data.rule,
    severity: data.severity,
    state: data.state === 'resolved' ? 'resolved' : 'open',
    message: data.message,
    code: data.code ?? null,
    params: data.params ?? null,
    value: data.value ?? existing?.value ?? null,
    threshold: data.threshold ?? existing?.threshold ?? null,
    tenantId: event.tenantId ?? existing?.tenantId ?? null,
    instanceId: existing?.instanceId ?? null,
    openedAt: existing?.openedAt ?? event.timestamp,
    updatedAt: event.timestamp,
    resolvedAt: data.state === 'resolved' ? event.timestamp : null,
  };
  return sortAlerts([next, ...list.filter((a) => a.alertId !== id)]);
}

/** Open first (critical before warning before info), then the most recently changed. */
export function sortAlerts(list: AlertView[]): AlertView[] {
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  const sorted = list.sort((a, b) =>
    a.state !== b.state ? (a.state === 'open' ? -1 : 1) : a.state === 'open' && a.severity !== b.severity ? rank[a.severity] - rank[b.severity] : b.updatedAt.localeCompare(a.updatedAt),
  );
  const open = sorted.filter((a) => a.state === 'open');
  return [...open, ...sorted.filter((a) => a.state === 'resolved').slice(0, Math.max(0, MAX_ALERTS - open.length))];
}

/**
 * The alerts of a scope: loaded over HTTP with their stream anchor, then kept live (each alert opens
 * once, is updated while open and resolves, so the list is keyed by `alertId`).
 */
export function useAlerts(scope: MaybeRefOrGetter<AlertScope | null>) {
  const { apiFetch } = useAuth();
  const items = ref<AlertView[]>([]);

  const target = computed(() => {
    const s = toValue(scope);
    if (!s) return null;
    if (s === 'admin') return { channel: adminChannel('alerts'), path: '/v1/admin/alerts?state=all' };
    return { channel: tenantChannel('alerts', s.tenantId), path: `/v1/tenants/${encodeURIComponent(s.tenantId)}/alerts?state=all` };
  });

  type Answer = AlertListResponse;
  const resource = useLiveResource<Answer, AlertPublication>({
    channel: () => target.value?.channel ?? '',
    fetch: () => apiFetch<Answer>(target.value!.path),
    accept: (answer) => {
      items.value = sortAlerts([...answer.items]);
      return { streamSeq: answer.streamSeq ?? 0, pendingEventIds: answer.pendingEventIds ?? [], pendingOverflow: answer.pendingOverflow };
    },
    apply: (event) => {
      items.value = applyAlertEvent(items.value, event);
    },
    reset: () => {
      items.value = [];
    },
  });

  const openCount = computed(() => items.value.filter((a) => a.state === 'open').length);
  return { items, status: resource.status, error: resource.error, load: resource.load, openCount, state: resource.state };
}
