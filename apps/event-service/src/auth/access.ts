import type { Identity } from '@neo/contracts';
import type { AccessStore } from '../store/access-store';

/** What the service remembers of a user it issued a connection token to: enough to re-run the policy. */
export type KnownUser = Pick<Identity, 'sub' | 'name' | 'tenantId' | 'roles'>;

/**
 * Operators' changes to access that must win over what a still-valid platform token says: a user's
 * permissions replaced, a tenant suspended. Every identity passes through `resolve` before the policy.
 *
 * It also remembers which users hold connections (the service issued them a connection token), so that
 * a change can reach their open connections through Centrifugo's server API.
 *
 * Reads are synchronous from memory (every request passes here); with a store, changes are written to
 * the database first and every instance reloads it every `syncMs`, so instances agree within that time.
 */
export class AccessDirectory {
  #permissions = new Map<string, readonly string[]>();
  #suspended = new Set<string>();
  readonly #store: AccessStore | null;
  #timer: NodeJS.Timeout | null = null;

  constructor(store: AccessStore | null = null) {
    this.#store = store;
  }

  /** Loads the shared state, then keeps reloading it every `syncMs`. */
  async start(syncMs = 2000, onError: (err: unknown) => void = () => {}): Promise<void> {
    if (!this.#store) return;
    await this.sync();
    this.#timer = setInterval(() => void this.sync().catch(onError), syncMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Replaces the in-memory view with the database's. */
  async sync(): Promise<void> {
    if (!this.#store) return;
    const snapshot = await this.#store.load();
    this.#permissions = snapshot.permissions;
    this.#suspended = snapshot.suspended;
    for (const u of snapshot.users) this.#remember(u);
  }
  readonly #users = new Map<string, KnownUser>();
  readonly #usersByTenant = new Map<string, Set<string>>();

  resolve(identity: Identity): Identity {
    const permissions = this.#permissions.get(identity.sub);
    return permissions ? { ...identity, permissions } : identity;
  }

  async setPermissions(userId: string, permissions: readonly string[]): Promise<void> {
    await this.#store?.savePermissions(userId, permissions);
    this.#permissions.set(userId, [...permissions]);
  }

  async suspendTenant(tenantId: string, suspended: boolean): Promise<void> {
    await this.#store?.saveSuspension(tenantId, suspended);
    if (suspended) this.#suspended.add(tenantId);
    else this.#suspended.delete(tenantId);
  }

  isTenantSuspended(tenantId: string): boolean {
    return this.#suspended.has(tenantId);
  }

  /** Records that `identity` was issued a connection token (it may hold open connections). */
  rememberUser(identity: Identity): void {
    const previous = this.#users.get(identity.sub);
    const changed = !previous || previous.tenantId !== identity.tenantId || previous.name !== identity.name;
    this.#remember(identity);
    // Written in the background: the token route must not wait on it, and a lost write only means a
    // suspension on another instance misses this user until they ask for a token again.
    if (changed) void this.#store?.saveUser(identity).catch(() => {});
  }

  #remember(identity: Pick<Identity, 'sub' | 'name' | 'tenantId' | 'roles'>): void {
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
