import { tenantChannel, type AnyEventEnvelope } from '@neo/contracts';

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

// Publications come from our relay, but a channel is a boundary: check the shape the list relies on.
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

/**
 * Deployment events of the logged-in user's tenant (`deployments:{tenantId}`), newest first, each shown
 * once however often it arrives: the recent ones from the stored history, then live ones. History is read
 * once the subscription is active, so an event is either in that read or arrives live afterwards (or
 * both, and is shown once) — never lost between page load and subscribe. Users without a tenant
 * (platform operators) get an empty list and no subscription.
 */
export function useDeploymentEvents() {
  const { user } = useAuth();
  const channel = computed(() => {
    const tenantId = user.value?.tenantId;
    return tenantId ? tenantChannel('deployments', tenantId) : '';
  });

  const events = shallowRef<DeploymentEnvelope[]>([]);
  let tracker = new SeqTracker();

  // Another tenant's events must not linger after a switch of user.
  watch(channel, () => {
    events.value = [];
    tracker = new SeqTracker();
  });

  const { state, isSubscribed } = useChannel<unknown>(channel, (data, ctx) => {
    if (!isDeploymentEnvelope(data) || !tracker.accept(data, ctx.channel)) return;
    if (events.value.some((e) => e.id === data.id)) return;
    events.value = [data, ...events.value].slice(0, MAX_DEPLOYMENT_EVENTS);
  });

  const { apiFetch } = useAuth();
  let loadedFor = '';
  watch(isSubscribed, async (subscribed) => {
    const name = channel.value;
    if (!subscribed || !name || loadedFor === name) return;
    loadedFor = name;
    try {
      const page = await apiFetch<{ items: unknown[] }>(`/v1/history?channel=${encodeURIComponent(name)}&limit=50`);
      if (channel.value !== name) return;
      const known = new Set(events.value.map((e) => e.id));
      const stored = page.items.filter(isDeploymentEnvelope).filter((e) => !known.has(e.id));
      events.value = [...events.value, ...stored]
        .sort((a, b) => b.timestamp.localeCompare(a.timestamp) || (b.seq ?? 0) - (a.seq ?? 0))
        .slice(0, MAX_DEPLOYMENT_EVENTS);
    } catch {
      loadedFor = ''; // the live list still works; the next subscribe tries again
    }
  });

  // Read-only to callers: the list changes only through the subscription.
  const list = computed(() => events.value);
  return { channel, events: list, state, isSubscribed };
}
