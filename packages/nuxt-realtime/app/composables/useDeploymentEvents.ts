import { tenantChannel, type AnyEventEnvelope, type ChannelEventMap, type HistoryPage } from '@neo/contracts';

export type DeploymentEventType = 'deployment_start' | 'deployment_progress' | 'deployment_complete' | 'deployment_error';
/** A deployment event, with `data` narrowed by its `type`. */
export type DeploymentEnvelope = Extract<AnyEventEnvelope, { type: DeploymentEventType }>;

/** Most events kept in memory; older ones belong to the history view, not to a live list. */
export const MAX_DEPLOYMENT_EVENTS = 200;

const DEPLOYMENT_TYPES: ReadonlySet<string> = new Set<DeploymentEventType>([
  'deployment_start',
  'deployment_progress',
  'deployment_complete',
  'deployment_error',
]);

/** The shape the list relies on. */
function isDeploymentEnvelope(value: unknown): value is DeploymentEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const envelope = value as Record<string, unknown>;
  return (
    typeof envelope.id === 'string' &&
    typeof envelope.type === 'string' &&
    DEPLOYMENT_TYPES.has(envelope.type) &&
    typeof envelope.timestamp === 'string' &&
    typeof envelope.data === 'object' &&
    envelope.data !== null
  );
}

/** Events read from the stored history on the first paint. */
const HISTORY_LIMIT = 50;

/**
 * Deployment events of the logged-in user's tenant (`deployments:{tenantId}`), newest first, each shown
 * once: the recent ones from the stored history, then live ones from that read's position on (the
 * engine fills any hole from the history). Users without a tenant (platform operators) get an empty
 * list and no subscription.
 */
export function useDeploymentEvents() {
  const { user, apiFetch } = useAuth();
  const channel = computed(() => {
    const tenantId = user.value?.tenantId;
    return tenantId ? tenantChannel('deployments', tenantId) : '';
  });

  const events = shallowRef<DeploymentEnvelope[]>([]);

  const resource = useLiveResource<HistoryPage, ChannelEventMap['deployments']>({
    channel,
    fetch: (name) => apiFetch<HistoryPage>(`/v1/history?channel=${encodeURIComponent(name)}&limit=${HISTORY_LIMIT}`),
    accept: (page) => {
      const stored = page.items.filter(isDeploymentEnvelope);
      events.value = stored.slice(0, MAX_DEPLOYMENT_EVENTS);
      return { streamSeq: Math.max(0, ...stored.map((e) => e.seq ?? 0)), pendingEventIds: stored.filter((e) => typeof e.seq !== 'number').map((e) => e.id) };
    },
    apply: (event) => {
      // Publications come from our relay, but a channel is a boundary: check the shape the list relies on.
      if (!isDeploymentEnvelope(event)) return;
      events.value = [event, ...events.value].slice(0, MAX_DEPLOYMENT_EVENTS);
    },
    // Another tenant's events must not linger after a switch of user.
    reset: () => {
      events.value = [];
    },
  });

  // Read-only to callers: the list changes only through the resource.
  const list = computed(() => events.value);
  return { channel, events: list, status: resource.status, state: resource.state, isSubscribed: resource.isSubscribed };
}
