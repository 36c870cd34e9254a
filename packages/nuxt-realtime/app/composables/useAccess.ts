import { authorizeTopic, isOperator, type Action, type Identity, type TenantTopic } from '@neo/contracts';

/**
 * What the logged-in user may do, asked of THE policy of the contract (the same function the service
 * calls), never of the permission list directly: the UI hides exactly what the service would refuse.
 * `authorizeTopic` is that policy for the tenant's topics, without the user-channel branch whose SHA-256
 * would otherwise ship in every page.
 */
export function useAccess() {
  const { user } = useAuth();
  const identity = computed<Identity | null>(() => {
    const u = user.value;
    return u ? { sub: u.id, name: u.name, tenantId: u.tenantId, roles: u.roles, permissions: u.permissions, operator: u.operator } : null;
  });

  /** Whether the user may `action` the `topic` channel of their own tenant (false without a tenant). */
  function can(action: Action, topic: TenantTopic): boolean {
    const id = identity.value;
    if (!id?.tenantId) return false;
    return authorizeTopic(id, action, topic).allowed;
  }

  const operator = computed(() => (identity.value ? isOperator(identity.value) : false));
  return { identity, can, operator };
}
