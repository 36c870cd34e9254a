import { sql } from 'drizzle-orm';
import type { PresenceStatus } from '@neo/contracts';
import type { Database } from './database';

export interface PresenceRow {
  tenantId: string;
  userId: string;
  userName: string;
  /** What the user set (online, away, busy); `offline` once their last connection went. */
  status: PresenceStatus;
  currentPage: string | null;
  lastSeen: string;
  online: boolean;
}

interface Raw {
  tenant_id: string;
  user_id: string;
  user_name: string;
  status: PresenceStatus;
  current_page: string | null;
  last_seen: string | Date;
  online: boolean;
}

const toRow = (r: Raw): PresenceRow => ({
  tenantId: r.tenant_id,
  userId: r.user_id,
  userName: r.user_name,
  status: r.status,
  currentPage: r.current_page,
  lastSeen: new Date(r.last_seen).toISOString(),
  online: r.online,
});

/** Stores a user's own status change (stamped by the service with the caller's identity). */
export async function upsertPresence(database: Database, p: { tenantId: string; userId: string; userName: string; status: PresenceStatus; currentPage: string | null }): Promise<PresenceRow> {
  const [row] = await database.rows<Raw>(sql`
    insert into presence_status (tenant_id, user_id, user_name, status, current_page, last_seen, online)
    values (${p.tenantId}, ${p.userId}, ${p.userName}, ${p.status}, ${p.currentPage}, now(), true)
    on conflict (tenant_id, user_id) do update set
      user_name = excluded.user_name, status = excluded.status, current_page = coalesce(excluded.current_page, presence_status.current_page),
      last_seen = now(), online = true
    returning tenant_id, user_id, user_name, status, current_page, last_seen, online`);
  return toRow(row!);
}

export async function listPresence(database: Database, tenantId: string): Promise<PresenceRow[]> {
  return (await database.rows<Raw>(sql`
    select tenant_id, user_id, user_name, status, current_page, last_seen, online from presence_status
    where tenant_id = ${tenantId} order by user_name`)).map(toRow);
}

/** Tenants with somebody marked online: the ones the sweeper must look at. */
export async function tenantsWithOnlineUsers(database: Database): Promise<string[]> {
  return (await database.rows<{ tenant_id: string }>(sql`select distinct tenant_id from presence_status where online`)).map((r) => r.tenant_id);
}

/** Marks users whose last connection went as offline, now; returns the rows changed. */
export async function markOffline(database: Database, tenantId: string, userIds: string[]): Promise<PresenceRow[]> {
  if (userIds.length === 0) return [];
  return (await database.rows<Raw>(sql`
    update presence_status set online = false, status = 'offline', last_seen = now()
    where tenant_id = ${tenantId} and online and user_id in (${sql.join(userIds.map((u) => sql`${u}`), sql`, `)})
    returning tenant_id, user_id, user_name, status, current_page, last_seen, online`)).map(toRow);
}
