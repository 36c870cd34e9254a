import {
  applyDeploymentEvent,
  estimateCompletion,
  tenantChannel,
  type ChannelEventMap,
  type DeploymentDetailResponse,
  type DeploymentEnvelope,
  type DeploymentListResponse,
  type DeploymentView,
} from '@neo/contracts';

/** A deployment as the read routes return it (the contract's response type). */
export type { DeploymentView };
/** What `deployments:{tenantId}` carries. */
type DeploymentPublication = ChannelEventMap['deployments'];

const DEPLOYMENT_TYPES = new Set(['deployment_start', 'deployment_progress', 'deployment_complete', 'deployment_error']);

function isDeploymentEvent(event: DeploymentPublication): event is DeploymentEnvelope {
  return DEPLOYMENT_TYPES.has(event.type) && typeof (event.data as { deploymentId?: unknown }).deploymentId === 'string';
}

/** Applies a live event with the same state machine as the service; ETA kept from the loaded median. */
export function applyLive(current: DeploymentView | null, event: DeploymentEnvelope, typicalDurationMs: number | null): DeploymentView | null {
  const result = applyDeploymentEvent(current, event);
  if (!result.ok) return current; // the service refused it too, so it was never published; defensive only
  return { ...result.state, typicalDurationMs, estimatedCompletion: estimateCompletion(result.state, typicalDurationMs, Date.now()) };
}

/**
 * The tenant's deployments: loaded over HTTP with the stream anchor, then kept live. `deploymentId`
 * narrows it to one deployment (the detail page).
 */
export function useDeployments(deploymentId?: MaybeRefOrGetter<string>) {
  const { user, apiFetch } = useAuth();
  const tenantId = computed(() => user.value?.tenantId ?? '');
  const channel = computed(() => (tenantId.value ? tenantChannel('deployments', tenantId.value) : ''));
  const items = ref<DeploymentView[]>([]);
  /** Detail only: requested from the portal, not yet started by the deployer. */
  const requested = ref(false);
  /** Median durations per instance type, for ETAs of deployments that start live. */
  const typical = new Map<string, number | null>();

  type Answer = DeploymentDetailResponse | DeploymentListResponse;

  const resource = useLiveResource<Answer, DeploymentPublication>({
    channel,
    fetch: () => {
      const base = `/v1/tenants/${encodeURIComponent(tenantId.value)}/deployments`;
      return deploymentId ? apiFetch<Answer>(`${base}/${encodeURIComponent(toValue(deploymentId))}`) : apiFetch<Answer>(base);
    },
    accept: (answer) => {
      if ('item' in answer) {
        items.value = answer.item ? [answer.item] : [];
        requested.value = answer.requested;
      } else {
        items.value = answer.items;
        for (const d of answer.items) if (d.typicalDurationMs !== null) typical.set(d.instanceType, d.typicalDurationMs);
      }
      return answer;
    },
    apply: (event) => {
      if (!isDeploymentEvent(event)) return;
      const id = event.data.deploymentId;
      const only = deploymentId ? toValue(deploymentId) : null;
      if (only && id !== only) return;
      const index = items.value.findIndex((d) => d.id === id);
      const current = index >= 0 ? items.value[index]! : null;
      const type = current?.instanceType ?? (event.type === 'deployment_start' ? event.data.instanceType : null);
      const next = applyLive(current, event, current?.typicalDurationMs ?? (type ? (typical.get(type) ?? null) : null));
      if (!next) return;
      if (index >= 0) items.value.splice(index, 1, next);
      else items.value.unshift(next);
      requested.value = false;
    },
    reset: () => {
      items.value = [];
      requested.value = false;
    },
  });

  return { items, status: resource.status, error: resource.error, requested, load: resource.load, state: resource.state };
}
