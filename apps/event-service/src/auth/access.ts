import type { Identity } from '@neo/contracts';

/** What the service remembers of a user it issued a connection token to: enough to re-run the policy. */
export type KnownUser = Pick<Identity, 'sub' | 'name' | 'tenantId' | 'roles'>;

/**
 * Operators' changes to access that must win over what a still-valid platform token says: a user's
 * permissions replaced, a tenant suspended. Every identity passes through `resolve` before the policy.
 *
 * It also remembers which users hold connections (the service issued them a connection token), so that
 * a change can reach their open connections through Centrifugo's server API. In memory, per instance:
 * with several instances this moves to the database (the demo admin routes are a single-instance demo).
 */
export class AccessDirectory {
  readonly #permissions = new Map<string, readonly string[]>();
  readonly #suspended = new Set<string>();
  readonly #users = new Map<string, KnownUser>();
  readonly #usersByTenant = new Map<string, Set<string>>();

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

  /** Records that `identity` was issued a connection token (it may hold open connections). */
  rememberUser(identity: Identity): void {
    const previous = this.#users.get(identity.sub);
    if (previous?.tenantId && previous.tenantId !== identity.tenantId) this.#usersByTenant.get(previous.tenantId)?.delete(identity.sub);
    this.#users.set(identity.sub, { sub: identity.sub, name: identity.name, tenantId: identity.tenantId, roles: [...identity.roles] });
    if (identity.tenantId) {
      let members = this.#usersByTenant.get(identity.tenantId);
      if (!members) this.#usersByTenant.set(identity.tenantId, (members = new Set()));
      members.add(identity.sub);
    }
  }

  knownUser(userId: string): KnownUser | undefined {
    return this.#users.get(userId);
  }

  /** Ids of the users of `tenantId` that were issued connection tokens. */
  knownUsersOfTenant(tenantId: string): string[] {
    return [...(this.#usersByTenant.get(tenantId) ?? [])];
  }
}
