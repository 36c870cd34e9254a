/** One tenant's row in the operators' overview. */
export interface TenantOverview {
  tenantId: string;
  name: string;
  onlineUsers: number;
  activeDeployments: number;
  /** Instances of the tenant that report (online); absent from services before issue 16. */
  activeInstances?: number;
  openAlerts: number;
}

/** How often the overview is read again while shown (ms): it sums several streams, none of them ours. */
const REFRESH_MS = 10_000;

/** Operators' tenants overview (`GET /v1/admin/tenants/overview`), refreshed while the caller lives. */
export function useTenantsOverview() {
  const { apiFetch } = useAuth();
  const { t } = useT();
  const tenants = ref<TenantOverview[]>([]);
  const status = ref<'loading' | 'ready' | 'error'>('loading');
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    try {
      const answer = await apiFetch<{ tenants: TenantOverview[] }>('/v1/admin/tenants/overview');
      tenants.value = answer.tenants;
      status.value = 'ready';
      error.value = null;
    } catch (err) {
      // A failed refresh keeps the rows already shown; only a first load without any shows the error.
      error.value = err instanceof ApiError ? err.problem.detail : t('error.network');
      if (tenants.value.length === 0) status.value = 'error';
    }
  }

  if (import.meta.client) {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    onScopeDispose(() => clearInterval(timer));
  }
  return { tenants, status, error, load };
}
