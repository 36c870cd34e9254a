import { sql } from 'drizzle-orm';
import type { Database } from './database';

export interface AccessSnapshot {
  permissions: Map<string, string[]>;
  suspended: Set<string>;
  users: Array<{ sub: string; name: string; tenantId: string | null; roles: string[] }>;
}

/** Operators' overrides and known users, shared by every service instance on the database. */
export class AccessStore {
  constructor(private readonly database: Database) {}

  async load(): Promise<AccessSnapshot> {
    const [perms, suspended, users] = await Promise.all([
      this.database.rows<{ user_id: string; permissions: unknown }>(sql`select user_id, permissions from access_permissions`),
      this.database.rows<{ tenant_id: string }>(sql`select tenant_id from tenant_suspensions`),
      this.database.rows<{ user_id: string; name: string; tenant_id: string | null; roles: unknown }>(sql`select user_id, name, tenant_id, roles from known_users`),
    ]);
    const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
    return {
      permissions: new Map(perms.map((r) => [r.user_id, json<string[]>(r.permissions)])),
      suspended: new Set(suspended.map((r) => r.tenant_id)),
      users: users.map((r) => ({ sub: r.user_id, name: r.name, tenantId: r.tenant_id, roles: json<string[]>(r.roles) })),
    };
  }

  async savePermissions(userId: string, permissions: readonly string[]): Promise<void> {
    await this.database.db.execute(sql`
      insert into access_permissions (user_id, permissions) values (${userId}, ${JSON.stringify(permissions)}::jsonb)
      on conflict (user_id) do update set permissions = excluded.permissions, updated_at = now()`);
  }

  async saveSuspension(tenantId: string, suspended: boolean): Promise<void> {
    await this.database.db.execute(
      suspended
        ? sql`insert into tenant_suspensions (tenant_id) values (${tenantId}) on conflict do nothing`
        : sql`delete from tenant_suspensions where tenant_id = ${tenantId}`,
    );
  }

  async saveUser(u: { sub: string; name: string; tenantId: string | null; roles: readonly string[] }): Promise<void> {
    await this.database.db.execute(sql`
      insert into known_users (user_id, name, tenant_id, roles) values (${u.sub}, ${u.name}, ${u.tenantId}, ${JSON.stringify(u.roles)}::jsonb)
      on conflict (user_id) do update set name = excluded.name, tenant_id = excluded.tenant_id, roles = excluded.roles`);
  }
}
