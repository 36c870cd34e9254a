import type { TenantOverview, TenantsOverviewResponse } from '@neo/contracts';

/** One tenant's row in the operators' overview (the contract's response type). */
export type { TenantOverview };

/** How often the overview is read again while shown (ms): it sums several streams, none of them ours. */
const REFRESH_MS = 10_000;

/** Operators' tenants overview (`GET /v1/admin/tenants/overview`), refreshed while the caller lives. */
export function useTenantsOverview() {
  const { apiFetch } = useAuth();
  const { errorText } = useMessageText();
  const tenants = ref<TenantOverview[]>([]);
  const status = ref<'loading' | 'ready' | 'error'>('loading');
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    try {
      const answer = await apiFetch<TenantsOverviewResponse>('/v1/admin/tenants/overview');
      tenants.value = answer.tenants;
      status.value = 'ready';
      error.value = null;
    } catch (err) {
      // A failed refresh keeps the rows already shown; only a first load without any shows the error.
      error.value = errorText(err);
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
