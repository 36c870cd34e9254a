import { sql } from 'drizzle-orm';
import type { IngestKeyScope, IngestKeyView } from '@neo/contracts';
import { type Database } from './database';
import { isoColumn, jsonColumn, rowsOf, type Tx } from './sql';
import { appendAudit, type AuditRecord } from './audit-store';

/** Serializes writers of operator changes, so that versions (one sequence) commit in the order they were drawn. */
const ACCESS_WRITE_LOCK = 7_420_003;

/** A stored ingest key as every instance keeps it in memory: its hash, never the key. */
export interface StoredIngestKey extends IngestKeyView {
  keyHash: string;
}

/** What changed since a version: every instance applies these to its in-memory view. */
export interface AccessChanges {
  /** The highest version read; ask for changes after it next time. */
  version: number;
  permissions: Array<{ userId: string; permissions: string[] }>;
  suspensions: Array<{ tenantId: string; suspended: boolean }>;
  revocations: Array<{ userId: string; revokedBefore: number }>;
  keys: StoredIngestKey[];
}

export interface KnownUserRow {
  sub: string;
  name: string;
  tenantId: string | null;
  roles: string[];
}

interface KeyRow {
  id: string;
  name: string;
  key_hash: string;
  event_types: unknown;
  tenants: unknown;
  created_at: string | Date;
  last_used_at: string | Date | null;
  revoked_at: string | Date | null;
  version: number | string;
}

const keyOf = (r: KeyRow): StoredIngestKey => ({
  id: r.id,
  name: r.name,
  keyHash: r.key_hash,
  eventTypes: jsonColumn<IngestKeyScope['eventTypes']>(r.event_types),
  tenants: jsonColumn<string[]>(r.tenants),
  createdAt: isoColumn(r.created_at),
  lastUsedAt: r.last_used_at ? isoColumn(r.last_used_at) : null,
  revokedAt: r.revoked_at ? isoColumn(r.revoked_at) : null,
});

/**
 * Operators' changes (permission overrides, tenant suspensions, token revocations, ingest keys) and the
 * users the service issued connection tokens to, shared by every instance on the database. Each change
 * is written together with its audit record, in one transaction.
 */
export class AccessStore {
  constructor(private readonly database: Database) {}

  /** Everything changed after `version` (0: everything). A handful of index lookups when nothing changed. */
  async changesSince(version: number): Promise<AccessChanges> {
    return this.database.db.transaction(async (tx) => {
      // One snapshot for the four reads, and the version as of that snapshot.
      await tx.execute(sql`set transaction isolation level repeatable read`);
      const perms = rowsOf<{ user_id: string; permissions: unknown; version: number | string }>(
        await tx.execute(sql`select user_id, permissions, version from access_permissions where version > ${version}`),
      );
      const suspensions = rowsOf<{ tenant_id: string; suspended: boolean; version: number | string }>(
        await tx.execute(sql`select tenant_id, suspended, version from tenant_suspensions where version > ${version}`),
      );
      const revocations = rowsOf<{ user_id: string; revoked_before: string | Date; version: number | string }>(
        await tx.execute(sql`select user_id, revoked_before, version from user_revocations where version > ${version}`),
      );
      const keys = rowsOf<KeyRow>(
        await tx.execute(sql`select id, name, key_hash, event_types, tenants, created_at, last_used_at, revoked_at, version from ingest_keys where version > ${version}`),
      );
      const top = Math.max(version, ...[...perms, ...suspensions, ...revocations, ...keys].map((r) => Number(r.version)));
      return {
        version: top,
        permissions: perms.map((r) => ({ userId: r.user_id, permissions: jsonColumn<string[]>(r.permissions) })),
        suspensions: suspensions.map((r) => ({ tenantId: r.tenant_id, suspended: r.suspended })),
        revocations: revocations.map((r) => ({ userId: r.user_id, revokedBefore: new Date(r.revoked_before).getTime() })),
        keys: keys.map(keyOf),
      };
    });
  }

  /** Runs `write` and appends `audit` in one transaction, under the writers' lock. */
  async #change<T>(audit: AuditRecord, write: (tx: Tx) => Promise<T>): Promise<T> {
    return this.database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${ACCESS_WRITE_LOCK})`);
      const result = await write(tx);
      await appendAudit(tx, audit);
      return result;
    });
  }

  savePermissions(userId: string, permissions: readonly string[], audit: AuditRecord): Promise<void> {
    return this.#change(audit, async (tx) => {
      await tx.execute(sql`
        insert into access_permissions (user_id, permissions) values (${userId}, ${JSON.stringify(permissions)}::jsonb)
        on conflict (user_id) do update set permissions = excluded.permissions, updated_at = now(), version = nextval('access_version_seq')`);
    });
  }

  saveSuspension(tenantId: string, suspended: boolean, audit: AuditRecord): Promise<void> {
    return this.#change(audit, async (tx) => {
      await tx.execute(sql`
        insert into tenant_suspensions (tenant_id, suspended) values (${tenantId}, ${suspended})
        on conflict (tenant_id) do update set suspended = excluded.suspended, suspended_at = now(), version = nextval('access_version_seq')`);
    });
  }

  /** Platform tokens of `userId` issued before `before` are refused from now on. */
  saveRevocation(userId: string, before: Date, audit: AuditRecord): Promise<void> {
    return this.#change(audit, async (tx) => {
      await tx.execute(sql`
        insert into user_revocations (user_id, revoked_before) values (${userId}, ${before.toISOString()}::timestamptz)
        on conflict (user_id) do update set revoked_before = greatest(user_revocations.revoked_before, excluded.revoked_before), version = nextval('access_version_seq')`);
    });
  }

  createKey(key: { id: string; name: string; keyHash: string; scope: IngestKeyScope; createdBy: string }, audit: AuditRecord): Promise<StoredIngestKey> {
    return this.#change(audit, async (tx) => {
      const [row] = rowsOf<KeyRow>(
        await tx.execute(sql`
          insert into ingest_keys (id, name, key_hash, event_types, tenants, created_by)
          values (${key.id}, ${key.name}, ${key.keyHash}, ${JSON.stringify(key.scope.eventTypes)}::jsonb, ${JSON.stringify(key.scope.tenants)}::jsonb, ${key.createdBy})
          returning id, name, key_hash, event_types, tenants, created_at, last_used_at, revoked_at, version`),
      );
      return keyOf(row!);
    });
  }

  /** Marks a key revoked; null when there is no such key. Revoking twice keeps the first time. */
  async revokeKey(id: string, audit: AuditRecord): Promise<StoredIngestKey | null> {
    return this.#change(audit, async (tx) => {
      const [row] = rowsOf<KeyRow>(
        await tx.execute(sql`
          update ingest_keys set revoked_at = coalesce(revoked_at, now()), version = nextval('access_version_seq') where id = ${id}
          returning id, name, key_hash, event_types, tenants, created_at, last_used_at, revoked_at, version`),
      );
      if (!row) throw new KeyNotFound();
      return keyOf(row);
    }).catch((err: unknown) => {
      if (err instanceof KeyNotFound) return null;
      throw err;
    });
  }

  async listKeys(): Promise<StoredIngestKey[]> {
    const rows = await this.database.rows<KeyRow>(sql`select id, name, key_hash, event_types, tenants, created_at, last_used_at, revoked_at, version from ingest_keys order by created_at, id`);
    return rows.map(keyOf);
  }

  /** Stamps the keys used lately (not a change other instances need: no new version). */
  async touchKeys(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.database.db.execute(sql`update ingest_keys set last_used_at = now() where id = any(${sql.param(ids)}::uuid[])`);
  }

  async saveUser(u: KnownUserRow): Promise<void> {
    await this.database.db.execute(sql`
      insert into known_users (user_id, name, tenant_id, roles) values (${u.sub}, ${u.name}, ${u.tenantId}, ${JSON.stringify(u.roles)}::jsonb)
      on conflict (user_id) do update set name = excluded.name, tenant_id = excluded.tenant_id, roles = excluded.roles`);
  }

  async knownUser(userId: string): Promise<KnownUserRow | null> {
    const [r] = await this.database.rows<{ user_id: string; name: string; tenant_id: string | null; roles: unknown }>(
      sql`select user_id, name, tenant_id, roles from known_users where user_id = ${userId}`,
    );
    return r ? { sub: r.user_id, name: r.name, tenantId: r.tenant_id, roles: jsonColumn<string[]>(r.roles) } : null;
  }

  /** Ids of the users of a tenant that were issued connection tokens (who may hold connections now). */
  async usersOfTenant(tenantId: string): Promise<string[]> {
    const rows = await this.database.rows<{ user_id: string }>(sql`select user_id from known_users where tenant_id = ${tenantId}`);
    return rows.map((r) => r.user_id);
  }
}

class KeyNotFound extends Error {}
