import { tenantChannel, type InstanceListResponse, type InstanceMetricsView } from '@neo/contracts';
import { sampleOf, type MetricSample } from '../utils/metric-series';

/** One of the tenant's instances as `GET /v1/tenants/{t}/metrics/instances` returns it (from the contract). */
export type InstanceMetrics = InstanceMetricsView;

/**
 * The caller's tenant's instance metrics (`metrics:{tenantId}`, needs `metrics:read`): the latest sample
 * per instance for the cards, and per-instance series for the charts, from history then live.
 */
export function useTenantMetrics() {
  const { user, apiFetch } = useAuth();
  const tenantId = computed(() => user.value?.tenantId ?? '');
  const { can } = useAccess();
  const canRead = computed(() => can('read', 'metrics'));
  const stream = useMetricStream(() => (canRead.value ? tenantChannel('metrics', tenantId.value) : ''));
  /** Instance types by id (the stream carries figures only). */
  const types = useState<Record<string, string>>('neo-instance-types', () => ({}));
  const activeInstances = ref<number | null>(null);

  async function loadInstances(): Promise<void> {
    if (!canRead.value) return;
    try {
      const answer = await apiFetch<InstanceListResponse>(`/v1/tenants/${encodeURIComponent(tenantId.value)}/metrics/instances`);
      activeInstances.value = answer.activeInstances;
      types.value = { ...types.value, ...Object.fromEntries(answer.instances.filter((i) => i.instanceType !== null).map((i) => [i.instanceId, i.instanceType!])) };
      // An instance quiet for longer than the history window still gets a card, from its last sample.
      for (const i of answer.instances) if (!stream.series(i.instanceId)?.latest) stream.seed(i.instanceId, sampleOf(i, i.updatedAt));
    } catch {
      // The cards still fill from the stream; the type label is what is missing.
    }
  }

  if (import.meta.client) {
    watch([canRead, () => stream.status.value], ([ok, loaded]) => {
      if (ok && loaded === 'ready') void loadInstances();
    }, { immediate: true });
  }

  /** Latest sample per instance, by id. */
  const instances = computed(() =>
    stream.keys.value
      .filter((k) => k !== '')
      .map((id) => ({ instanceId: id, instanceType: types.value[id] ?? null, sample: stream.series(id)?.latest ?? null }))
      .filter((i): i is { instanceId: string; instanceType: string | null; sample: MetricSample } => i.sample !== null),
  );

  return { ...stream, tenantId, canRead, instances, activeInstances, loadInstances };
}
