import { uuidv7, type AuditActor, type CreatedIngestKey, type Identity, type IngestKeyScope, type IngestKeyView } from '@neo/contracts';
import { AppError } from '../errors';
import type { AccessStore, KnownUserRow, StoredIngestKey } from '../store/access-store';
import { FULL_SCOPE, generateIngestKey, hashIngestKey, type IngestPrincipal } from './ingest-keys';
import type { VerifiedToken } from './verifier';

export type KnownUser = KnownUserRow;

export interface AccessDirectoryOptions {
  /** Bootstrap keys of full scope (`INGEST_API_KEYS`), in memory only. */
  bootstrapKeys?: readonly string[];
  /** Clock, ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * The operators' word over what a still-valid credential says: permission overrides, suspended tenants,
 * platform tokens revoked before a time, and the producers' ingest keys. Every identity and every
 * ingest key passes through here, synchronously from memory (these checks are on every request).
 *
 * With a store, a change is written to the database first (with its audit record) and every instance
 * reads the changes since its last version every `syncMs` (≤ 5 s), so instances agree within that time.
 * Without a store (unit tests) the directory is memory only.
 */
export class AccessDirectory {
  #permissions = new Map<string, readonly string[]>();
  #suspended = new Set<string>();
  #revokedBefore = new Map<string, number>();
  /** Keys by the hash of the key; revoked ones are dropped. */
  #keys = new Map<string, IngestPrincipal>();
  #version = 0;
  readonly #store: AccessStore | null;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #syncing: Promise<void> | null = null;
  /** A sync scheduled for unknown keys and not started yet: later misses join it. */
  #missSync: Promise<void> | null = null;
  #lastMissSync = -Infinity;
  readonly #usedKeys = new Set<string>();
  /** Users already written to `known_users` by this instance (bounded: cleared when large). */
  readonly #savedUsers = new Map<string, string>();

  constructor(store: AccessStore | null = null, options: AccessDirectoryOptions = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
    (options.bootstrapKeys ?? []).forEach((key, i) => this.#keys.set(hashIngestKey(key), { id: `bootstrap-${i + 1}`, name: `INGEST_API_KEYS #${i + 1}`, scope: FULL_SCOPE }));
  }

  /** Loads the shared state, then keeps reading changes every `syncMs`. */
  async start(syncMs = 2000, onError: (err: unknown) => void = () => {}): Promise<void> {
    if (!this.#store) return;
    await this.sync();
    this.#timer = setInterval(() => {
      void this.sync().catch(onError);
      void this.#flushKeyUse().catch(onError);
    }, syncMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Applies what changed in the database since the last sync (one in flight at a time). */
  sync(): Promise<void> {
    if (!this.#store) return Promise.resolve();
    this.#syncing ??= this.#store
      .changesSince(this.#version)
      .then((changes) => {
        for (const p of changes.permissions) this.#permissions.set(p.userId, p.permissions);
        for (const s of changes.suspensions) this.#setSuspended(s.tenantId, s.suspended);
        for (const r of changes.revocations) this.#revokedBefore.set(r.userId, r.revokedBefore);
        for (const k of changes.keys) this.#applyKey(k);
        this.#version = changes.version;
      })
      .finally(() => {
        this.#syncing = null;
      });
    return this.#syncing;
  }

  /**
   * The identity a verified token stands for now: refused when the user's tokens were revoked after it
   * was issued; permissions replaced when an operator overrode them.
   */
  resolve(verified: VerifiedToken): Identity {
    const { identity, issuedAt } = verified;
    const revokedBefore = this.#revokedBefore.get(identity.sub);
    // A token without `iat` cannot show it came after the revocation: refused (fail closed).
    if (revokedBefore !== undefined && (issuedAt === null || issuedAt * 1000 < revokedBefore)) {
      throw new AppError('ERR_AUTH_TOKEN_REVOKED', 'this token was revoked by an operator; sign in again');
    }
    return this.applyOverrides(identity);
  }

  /** The identity with an operator's permission override applied (the demo login signs these). */
  applyOverrides(identity: Identity): Identity {
    const permissions = this.#permissions.get(identity.sub);
    return permissions ? { ...identity, permissions } : identity;
  }

  isTenantSuspended(tenantId: string): boolean {
    return this.#suspended.has(tenantId);
  }

  async setPermissions(actor: AuditActor, user: { userId: string; tenantId: string | null }, permissions: readonly string[]): Promise<void> {
    await this.#store?.savePermissions(user.userId, permissions, { actor, action: 'user.permissions.set', target: `user:${user.userId}`, tenantId: user.tenantId, details: { permissions } });
    this.#permissions.set(user.userId, [...permissions]);
  }

  async suspendTenant(actor: AuditActor, tenantId: string, suspended: boolean): Promise<void> {
    await this.#store?.saveSuspension(tenantId, suspended, { actor, action: 'tenant.suspension.set', target: `tenant:${tenantId}`, tenantId, details: { suspended } });
    this.#setSuspended(tenantId, suspended);
  }

  /** Refuses the user's platform tokens issued before now (they must sign in again). */
  async revokeTokens(actor: AuditActor, user: { userId: string; tenantId: string | null }): Promise<Date> {
    // Whole seconds, rounded up, because `iat` is in seconds: a token issued in the same second as the
    // revocation is refused too (fail closed); signing in again works from the next second.
    const before = new Date(Math.ceil(this.#now() / 1000) * 1000);
    await this.#store?.saveRevocation(user.userId, before, { actor, action: 'user.disconnect', target: `user:${user.userId}`, tenantId: user.tenantId, details: { tokensRevokedBefore: before.toISOString() } });
    this.#revokedBefore.set(user.userId, Math.max(before.getTime(), this.#revokedBefore.get(user.userId) ?? 0));
    return before;
  }

  // ---- ingest keys

  /**
   * The producer a presented key belongs to, or null. An unknown key may have been created a moment ago
   * on another instance, so it waits for a sync that starts after it arrived; those syncs are shared and
   * at least 200 ms apart, so a flood of made-up keys costs the database at most five reads a second.
   */
  async authenticateIngestKey(key: string): Promise<IngestPrincipal | null> {
    const hash = hashIngestKey(key);
    let principal = this.#keys.get(hash);
    if (!principal && this.#store) {
      await this.#syncAfterMiss();
      principal = this.#keys.get(hash);
    }
    if (principal && !principal.id.startsWith('bootstrap-')) this.#usedKeys.add(principal.id);
    return principal ?? null;
  }

  #syncAfterMiss(): Promise<void> {
    if (this.#missSync) return this.#missSync;
    const delay = Math.max(0, this.#lastMissSync + 200 - this.#now());
    this.#missSync = new Promise<void>((resolve) => setTimeout(resolve, delay)).then(async () => {
      this.#missSync = null; // started: a miss from now on needs the next one
      this.#lastMissSync = this.#now();
      // A periodic sync in flight may have read before the key existed: read again after it.
      if (this.#syncing) await this.#syncing.catch(() => {});
      await this.sync();
    });
    return this.#missSync;
  }

  async createIngestKey(actor: AuditActor, request: { name: string } & IngestKeyScope): Promise<CreatedIngestKey> {
    if (!this.#store) throw new Error('ingest keys need the database');
    const key = generateIngestKey();
    const id = uuidv7();
    const scope = { eventTypes: request.eventTypes, tenants: request.tenants };
    const stored = await this.#store.createKey({ id, name: request.name, keyHash: hashIngestKey(key), scope, createdBy: `${actor.kind}:${actor.id}` }, {
      actor,
      action: 'ingest_key.create',
      target: `ingest_key:${id}`,
      details: { name: request.name, ...scope },
    });
    this.#applyKey(stored);
    return { id: stored.id, name: stored.name, key, eventTypes: stored.eventTypes, tenants: stored.tenants, createdAt: stored.createdAt };
  }

  /** Revokes a key at once here, on every other instance within one sync; null when unknown. */
  async revokeIngestKey(actor: AuditActor, id: string): Promise<IngestKeyView | null> {
    if (!this.#store) return null;
    const stored = await this.#store.revokeKey(id, { actor, action: 'ingest_key.revoke', target: `ingest_key:${id}` });
    if (stored) this.#applyKey(stored);
    return stored && viewOf(stored);
  }

  async listIngestKeys(): Promise<IngestKeyView[]> {
    return (await this.#store?.listKeys())?.map(viewOf) ?? [];
  }

  // ---- users who may hold connections

  /** Records, in the background, that `identity` was issued a connection token (it may hold connections). */
  rememberUser(identity: Identity, onError: (err: unknown) => void = () => {}): void {
    if (!this.#store) return;
    const fingerprint = `${identity.tenantId ?? ''}\u0000${identity.name}`;
    if (this.#savedUsers.get(identity.sub) === fingerprint) return;
    if (this.#savedUsers.size >= 100_000) this.#savedUsers.clear();
    this.#savedUsers.set(identity.sub, fingerprint);
    // Not awaited: the token route must not wait on it. A lost write only means a suspension misses this
    // user's connections until they ask for a token again (which the suspension then refuses).
    this.#store.saveUser({ sub: identity.sub, name: identity.name, tenantId: identity.tenantId, roles: [...identity.roles] }).catch((err: unknown) => {
      this.#savedUsers.delete(identity.sub);
      onError(err);
    });
  }

  knownUser(userId: string): Promise<KnownUser | null> {
    return this.#store?.knownUser(userId) ?? Promise.resolve(null);
  }

  usersOfTenant(tenantId: string): Promise<string[]> {
    return this.#store?.usersOfTenant(tenantId) ?? Promise.resolve([]);
  }

  #setSuspended(tenantId: string, suspended: boolean): void {
    if (suspended) this.#suspended.add(tenantId);
    else this.#suspended.delete(tenantId);
  }

  #applyKey(k: StoredIngestKey): void {
    if (k.revokedAt) this.#keys.delete(k.keyHash);
    else this.#keys.set(k.keyHash, { id: k.id, name: k.name, scope: { eventTypes: k.eventTypes, tenants: k.tenants } });
  }

  async #flushKeyUse(): Promise<void> {
    if (this.#usedKeys.size === 0) return;
    const ids = [...this.#usedKeys];
    this.#usedKeys.clear();
    await this.#store?.touchKeys(ids);
  }
}

function viewOf(k: StoredIngestKey): IngestKeyView {
  return { id: k.id, name: k.name, eventTypes: k.eventTypes, tenants: k.tenants, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt };
}
