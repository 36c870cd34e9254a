import type { Identity } from '@neo/contracts';

/**
 * Operators' changes to access that must win over what a still-valid platform token says: a user's
 * permissions replaced, a tenant suspended. Every identity passes through `resolve` before the policy.
 */
export class AccessDirectory {
  readonly #permissions = new Map<string, readonly string[]>();
  readonly #suspended = new Set<string>();

  resolve(identity: Identity): Identity {
    const permissions = this.#permissions.get(identity.sub);
    return permissions ? { ...identity, permissions } : identity;
  }

  setPermissions(userId: string, permissions: readonly string[]): void {
    this.#permissions.set(userId, [...permissions]);
  }

  suspendTenant(tenantId: string, suspended: boolean): void {
    if (suspended) this.#suspended.add(tenantId);
    else this.#suspended.delete(tenantId);
  }

  isTenantSuspended(tenantId: string): boolean {
    return this.#suspended.has(tenantId);
  }
}
