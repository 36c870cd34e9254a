import { adminChannel, tenantChannel, type AlertSeverity, type AlertView, type AnyEventEnvelope, type EventData } from '@neo/contracts';

// Live `alert` events are folded into the routes' shape (AlertView, from the contract).
export type { AlertSeverity, AlertView };

/** `'admin'`: the platform's alerts (operators); a tenant id: that tenant's (needs `alerts:read`). */
export type AlertScope = 'admin' | { tenantId: string };

/** Alerts kept in the list: every open one, and the most recent resolved ones up to this count. */
const MAX_ALERTS = 50;

/** Folds one live `alert` event into the list: open adds, updated changes, resolved closes. Pure. */
export function applyAlertEvent(list: readonly AlertView[], event: AnyEventEnvelope): AlertView[] {
  if (event.type !== 'alert') return [...list];
  const data = event.data as EventData<'alert'>;
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
  const { t } = useT();
  const items = ref<AlertView[]>([]);
  const status = ref<'loading' | 'ready' | 'error'>('loading');
  const error = ref<string | null>(null);

  const target = computed(() => {
    const s = toValue(scope);
    if (!s) return null;
    if (s === 'admin') return { channel: adminChannel('alerts'), path: '/v1/admin/alerts?state=all' };
    return { channel: tenantChannel('alerts', s.tenantId), path: `/v1/tenants/${encodeURIComponent(s.tenantId)}/alerts?state=all` };
  });

  const live = useLiveStream(() => target.value?.channel ?? '', (event) => {
    items.value = applyAlertEvent(items.value, event);
  }, { reload: () => void load() });

  async function load(): Promise<void> {
    const current = target.value;
    if (!current) return;
    status.value = 'loading';
    error.value = null;
    try {
      const answer = await apiFetch<{ items: AlertView[]; streamSeq: number; pendingEventIds?: string[]; pendingOverflow?: boolean }>(current.path);
      items.value = sortAlerts([...answer.items]);
      status.value = 'ready';
      live.anchor({ streamSeq: answer.streamSeq ?? 0, pendingEventIds: answer.pendingEventIds ?? [], pendingOverflow: answer.pendingOverflow });
    } catch (err) {
      error.value = err instanceof ApiError ? err.problem.detail : t('error.network');
      status.value = 'error';
    }
  }

  if (import.meta.client) watch(() => target.value?.path, () => void load(), { immediate: true });

  const openCount = computed(() => items.value.filter((a) => a.state === 'open').length);
  return { items, status, error, load, openCount, state: live.state };
}
