import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import type { Tx } from '../pipeline/projector';
import { rowsOf } from './event-store';
import { joinColumns, joinOf, type StreamJoin } from './stream-join';
import type { BillingEventType, NotificationDraft } from '../domain/billing';

export interface Notification extends Omit<NotificationDraft, 'tenantId'> {
  read: boolean;
}

interface NotificationRow {
  nseq: number | string;
  id: string;
  type: string;
  status: string | null;
  amount: number | string | null;
  currency: string | null;
  message: string | null;
  details: unknown;
  created_at: string | Date;
  read: boolean;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function toNotification(r: NotificationRow): Notification {
  return {
    id: r.id,
    type: r.type as BillingEventType,
    status: r.status,
    amount: r.amount === null ? null : Number(r.amount),
    currency: r.currency,
    message: r.message,
    details: json<Record<string, string | number>>(r.details),
    createdAt: new Date(r.created_at).toISOString(),
    read: Boolean(r.read),
  };
}

export async function insertNotification(tx: Tx, n: NotificationDraft): Promise<void> {
  await tx.execute(sql`
    insert into notifications (id, tenant_id, type, status, amount, currency, message, details, created_at)
    values (${n.id}::uuid, ${n.tenantId}, ${n.type}, ${n.status}, ${n.amount}, ${n.currency}, ${n.message}, ${JSON.stringify(n.details)}::jsonb, ${n.createdAt}::timestamptz)
    on conflict (id) do nothing`);
}

/** The highest usage threshold already notified for this resource and period, locked until commit. */
export async function lockUsageLevel(tx: Tx, tenantId: string, resource: string, period: string): Promise<number | null> {
  // Insert-then-lock so that two concurrent samples of the same resource serialize on one row.
  await tx.execute(sql`insert into usage_alert_levels (tenant_id, resource, period, threshold) values (${tenantId}, ${resource}, ${period}, 0) on conflict do nothing`);
  const rows = rowsOf<{ threshold: number }>(await tx.execute(sql`
    select threshold from usage_alert_levels where tenant_id = ${tenantId} and resource = ${resource} and period = ${period} for update`));
  const t = Number(rows[0]?.threshold ?? 0);
  return t > 0 ? t : null;
}

export async function setUsageLevel(tx: Tx, tenantId: string, resource: string, period: string, threshold: number): Promise<void> {
  await tx.execute(sql`update usage_alert_levels set threshold = ${threshold} where tenant_id = ${tenantId} and resource = ${resource} and period = ${period}`);
}

/** "Read" for one user: marked one by one, or at or below the user's read-all watermark. */
const isRead = (userId: string, tenantId: string) => sql`(
  exists (select 1 from notification_reads r where r.user_id = ${userId} and r.notification_id = n.id)
  or n.nseq <= coalesce((select w.read_all_before from notification_watermarks w where w.user_id = ${userId} and w.tenant_id = ${tenantId}), 0))`;

export interface NotificationQuery {
  tenantId: string;
  userId: string;
  channel: string;
  unread?: boolean;
  type?: BillingEventType;
  /** Newest-first paging: only notifications with `nseq` below this. */
  beforeSeq?: number;
  limit: number;
}

export interface NotificationPage {
  items: Notification[];
  /** `nseq` of the last item when there are more. */
  nextBefore: number | null;
  /** Exact count of the user's unread notifications in the tenant (all types). */
  unreadCount: number;
  join: StreamJoin;
}

/** One page, the exact unread count and the stream join, from one snapshot (one statement). */
export async function queryNotifications(database: Database, q: NotificationQuery): Promise<NotificationPage> {
  const where: SQL[] = [sql`n.tenant_id = ${q.tenantId}`];
  if (q.type) where.push(sql`n.type = ${q.type}`);
  if (q.beforeSeq !== undefined) where.push(sql`n.nseq < ${q.beforeSeq}`);
  if (q.unread) where.push(sql`not ${isRead(q.userId, q.tenantId)}`);
  const rows = await database.rows<{ items: unknown; unread: number | string; stream_seq: number | string; pending: unknown }>(sql`
    select
      (select coalesce(json_agg(p order by p.nseq desc), '[]'::json) from (
         select n.*, ${isRead(q.userId, q.tenantId)} as read from notifications n
         where ${sql.join(where, sql` and `)} order by n.nseq desc limit ${q.limit + 1}) p) as items,
      (select count(*) from notifications n where n.tenant_id = ${q.tenantId} and not ${isRead(q.userId, q.tenantId)}) as unread,
      ${joinColumns(q.channel)}`);
  const r = rows[0]!;
  const all = json<NotificationRow[]>(r.items);
  const page = all.slice(0, q.limit);
  return {
    items: page.map(toNotification),
    nextBefore: all.length > q.limit ? Number(page[page.length - 1]!.nseq) : null,
    unreadCount: Number(r.unread),
    join: joinOf(r),
  };
}

export async function getNotification(database: Database, tenantId: string, userId: string, id: string): Promise<Notification | null> {
  const rows = await database.rows<NotificationRow>(sql`
    select n.*, ${isRead(userId, tenantId)} as read from notifications n where n.tenant_id = ${tenantId} and n.id = ${id}::uuid`);
  return rows[0] ? toNotification(rows[0]) : null;
}

/** Marks one notification read for the user; false when the tenant has no such notification. */
export async function markRead(database: Database, tenantId: string, userId: string, id: string): Promise<boolean> {
  const rows = await database.rows<{ id: string }>(sql`
    with target as (select id from notifications where tenant_id = ${tenantId} and id = ${id}::uuid),
    ins as (insert into notification_reads (user_id, notification_id) select ${userId}, id from target on conflict do nothing)
    select id from target`);
  return rows.length === 1;
}

/**
 * Marks everything up to now read with one watermark row instead of a row per notification: constant
 * cost however many there are; notifications arriving later are above it, hence unread.
 */
export async function markAllRead(database: Database, tenantId: string, userId: string): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into notification_watermarks (user_id, tenant_id, read_all_before)
      select ${userId}, ${tenantId}, coalesce(max(nseq), 0) from notifications where tenant_id = ${tenantId}
      on conflict (user_id, tenant_id) do update set read_all_before = greatest(notification_watermarks.read_all_before, excluded.read_all_before), updated_at = now()`);
    // Rows under the watermark say nothing any more.
    await tx.execute(sql`
      delete from notification_reads r using notifications n
      where r.user_id = ${userId} and n.id = r.notification_id and n.tenant_id = ${tenantId}
        and n.nseq <= (select read_all_before from notification_watermarks where user_id = ${userId} and tenant_id = ${tenantId})`);
  });
}
