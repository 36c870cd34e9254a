import { sql } from 'drizzle-orm';
import { PRESENCE_DEVICE_TTL_MS, type PresenceStatus } from '@neo/contracts';
import type { Database } from './database';
import { rowsOf } from './sql';

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
    insert into presence_status (tenant_id, user_id, user_name, status, current_page, last_seen, online, choice)
    values (${p.tenantId}, ${p.userId}, ${p.userName}, ${p.status}, ${p.currentPage}, now(), true, ${p.status === 'busy' ? 'busy' : 'online'})
    on conflict (tenant_id, user_id) do update set
      user_name = excluded.user_name, status = excluded.status, current_page = coalesce(excluded.current_page, presence_status.current_page),
      last_seen = now(), online = true,
      choice = case when excluded.status = 'away' then presence_status.choice else excluded.choice end
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

/**
 * One device's report, and the person's one status that follows from all their devices, in one
 * transaction under the person's row: the status they chose (kept for every device until they choose
 * again) while any device that reported in the last PRESENCE_DEVICE_TTL_MS is in use, `away` when all are
 * idle. So busy set on the phone shows on the laptop, and the device used last decides online or away.
 */
export async function reportDevice(
  database: Database,
  p: { tenantId: string; userId: string; userName: string; deviceId: string; away: boolean; choice: 'online' | 'busy' | null; currentPage: string | null },
): Promise<PresenceRow> {
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into presence_status (tenant_id, user_id, user_name, status, current_page, online, choice)
      values (${p.tenantId}, ${p.userId}, ${p.userName}, 'online', ${p.currentPage}, true, ${p.choice ?? 'online'})
      on conflict (tenant_id, user_id) do nothing`);
    await tx.execute(sql`select 1 from presence_status where tenant_id = ${p.tenantId} and user_id = ${p.userId} for update`);
    await tx.execute(sql`
      insert into presence_devices (tenant_id, user_id, device_id, away, seen_at) values (${p.tenantId}, ${p.userId}, ${p.deviceId}, ${p.away}, now())
      on conflict (tenant_id, user_id, device_id) do update set away = excluded.away, seen_at = excluded.seen_at`);
    await tx.execute(sql`
      delete from presence_devices where tenant_id = ${p.tenantId} and user_id = ${p.userId} and seen_at < now() - ${PRESENCE_DEVICE_TTL_MS} * interval '1 millisecond'`);
    const rows = rowsOf<Raw>(await tx.execute(sql`
      update presence_status s set
        user_name = ${p.userName},
        choice = coalesce(${p.choice}, s.choice),
        status = case when exists (select 1 from presence_devices d where d.tenant_id = s.tenant_id and d.user_id = s.user_id and not d.away)
                      then coalesce(${p.choice}, s.choice) else 'away' end,
        current_page = coalesce(${p.currentPage}, s.current_page),
        last_seen = now(), online = true
      where s.tenant_id = ${p.tenantId} and s.user_id = ${p.userId}
      returning tenant_id, user_id, user_name, status, current_page, last_seen, online`));
    return toRow(rows[0]!);
  });
}

/** Marks users whose last connection went as offline, now; returns the rows changed. */
export async function markOffline(database: Database, tenantId: string, userIds: string[]): Promise<PresenceRow[]> {
  if (userIds.length === 0) return [];
  // Gone from every device: their devices' activity says nothing any more.
  await database.db.execute(sql`delete from presence_devices where tenant_id = ${tenantId} and user_id in (${sql.join(userIds.map((u) => sql`${u}`), sql`, `)})`);
  return (await database.rows<Raw>(sql`
    update presence_status set online = false, status = 'offline', last_seen = now()
    where tenant_id = ${tenantId} and online and user_id in (${sql.join(userIds.map((u) => sql`${u}`), sql`, `)})
    returning tenant_id, user_id, user_name, status, current_page, last_seen, online`)).map(toRow);
}
