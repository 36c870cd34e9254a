import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { joinColumns, joinOf, rowsOf, type Tx, type StreamJoin } from './sql';
import { runRead, usePlan, type ReadStatement } from './read-statement';
import type { BillingEventType, NotificationDraft } from '../domain/billing';

export interface Notification extends Omit<NotificationDraft, 'tenantId'> {
  /** Invoices: the day payment is due (`YYYY-MM-DD`, the invoice event's `dueDate`); null otherwise. */
  dueDate: string | null;
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
  const details = json<Record<string, string | number>>(r.details);
  return {
    id: r.id,
    type: r.type as BillingEventType,
    status: r.status,
    amount: r.amount === null ? null : Number(r.amount),
    currency: r.currency,
    message: r.message,
    details,
    dueDate: typeof details.dueDate === 'string' ? details.dueDate : null,
    createdAt: new Date(r.created_at).toISOString(),
    read: Boolean(r.read),
  };
}

/**
 * Locks the tenants' notification counters (creating missing ones), in one order for every transaction,
 * so that two ingest transactions never wait on each other in a cycle. Taken BEFORE the notifications
 * are inserted: their `nseq` is then drawn under the lock, and a read-all holding it knows that no
 * lower `nseq` of the tenant can still commit after it (the watermark and the kept counts agree).
 */
export async function lockNotificationCounts(tx: Tx, tenantIds: string[]): Promise<void> {
  const tenants = sql.param([...new Set(tenantIds)]);
  await tx.execute(sql`insert into notification_counts (tenant_id, total) select t, 0 from unnest(${tenants}::text[]) t order by t on conflict (tenant_id) do nothing`);
  await tx.execute(sql`select tenant_id from notification_counts where tenant_id = any(${tenants}::text[]) order by tenant_id for update`);
}

/** Adds what the transaction inserted to the counters it locked (lockNotificationCounts). */
export async function addNotificationCounts(tx: Tx, added: Map<string, number>): Promise<void> {
  if (added.size === 0) return;
  await tx.execute(sql`
    update notification_counts c set total = c.total + u.n
    from unnest(${sql.param([...added.keys()])}::text[], ${sql.param([...added.values()])}::bigint[]) as u(tenant_id, n)
    where c.tenant_id = u.tenant_id`);
}

/**
 * Inserts notifications in one statement (arrays as parameters, in the given order for `nseq`); returns
 * how many each tenant got (an id stored already is skipped). Call under lockNotificationCounts.
 */
export async function insertNotifications(tx: Tx, drafts: NotificationDraft[]): Promise<Map<string, number>> {
  const added = new Map<string, number>();
  if (drafts.length === 0) return added;
  const col = <T>(f: (n: NotificationDraft) => T) => sql.param(drafts.map(f));
  const rows = rowsOf<{ tenant_id: string; n: number | string }>(await tx.execute(sql`
    with ins as (
      insert into notifications (id, tenant_id, type, status, amount, currency, message, details, created_at)
      select u.id, u.tenant_id, u.type, u.status, u.amount, u.currency, u.message, u.details::jsonb, u.created_at
      from unnest(${col((n) => n.id)}::uuid[], ${col((n) => n.tenantId)}::text[], ${col((n) => n.type)}::text[], ${col((n) => n.status)}::text[],
                  ${col((n) => n.amount)}::float8[], ${col((n) => n.currency)}::text[], ${col((n) => n.message)}::text[],
                  ${col((n) => JSON.stringify(n.details))}::text[], ${col((n) => n.createdAt)}::timestamptz[])
           with ordinality as u(id, tenant_id, type, status, amount, currency, message, details, created_at, ord)
      order by u.ord
      on conflict (id) do nothing
      returning tenant_id
    )
    select tenant_id, count(*) as n from ins group by tenant_id`));
  for (const r of rows) added.set(r.tenant_id, Number(r.n));
  return added;
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

const MAX_NSEQ = '9223372036854775807';
const watermarkOf = (userId: string, tenantId: string) =>
  sql`coalesce((select w.read_all_before from notification_watermarks w where w.user_id = ${userId} and w.tenant_id = ${tenantId}), 0)`;

interface TenantWalk {
  tenantId: string;
  type?: BillingEventType;
  /** Only `nseq` below this (the cursor). */
  beforeSeq?: number;
  /** Only `nseq` above this (the read-all watermark, for unread pages). */
  above?: SQL;
}

/**
 * A range of (tenant_id, nseq) — or (tenant_id, type, nseq) — walked newest first, bounded by the
 * cursor above and, for unread pages, by the read-all watermark below (nothing under it is unread).
 * Row comparisons rather than equalities, for the reason given at `channelWalk` in history-store.ts: only
 * this index can give the order, so the walk stops at the page instead of filtering the global `nseq`.
 */
function tenantWalk(w: TenantWalk): { where: SQL; order: SQL } {
  const before = sql`${w.beforeSeq ?? MAX_NSEQ}::bigint`;
  const above = w.above ?? sql`0::bigint`;
  if (w.type) {
    return {
      where: sql`(n.tenant_id, n.type, n.nseq) < (${w.tenantId}::text, ${w.type}::text, ${before}) and (n.tenant_id, n.type, n.nseq) > (${w.tenantId}::text, ${w.type}::text, ${above})`,
      order: sql`order by n.tenant_id desc, n.type desc, n.nseq desc`,
    };
  }
  return {
    where: sql`(n.tenant_id, n.nseq) < (${w.tenantId}::text, ${before}) and (n.tenant_id, n.nseq) > (${w.tenantId}::text, ${above})`,
    order: sql`order by n.tenant_id desc, n.nseq desc`,
  };
}

/** The kept unread count (migration 0191): the tenant's total less what the user has read. */
const unreadCountOf = (userId: string, tenantId: string) => sql`(
  coalesce((select c.total from notification_counts c where c.tenant_id = ${tenantId}), 0)
  - coalesce((select w.read_below + w.read_above from notification_watermarks w where w.user_id = ${userId} and w.tenant_id = ${tenantId}), 0))`;

/** The statement behind a notification page: page, unread count and stream join from one snapshot. */
export function notificationPage(q: NotificationQuery): ReadStatement {
  const unreadOnly = q.unread ? sql`and not exists (select 1 from notification_reads r where r.user_id = ${q.userId} and r.notification_id = n.id)` : sql``;
  const walk = tenantWalk({ tenantId: q.tenantId, type: q.type, beforeSeq: q.beforeSeq, above: q.unread ? watermarkOf(q.userId, q.tenantId) : undefined });
  return { plan: 'ordered-walk', query: sql`
    select
      (select coalesce(json_agg(p order by p.nseq desc), '[]'::json) from (
         select n.*, ${isRead(q.userId, q.tenantId)} as read from notifications n
         where ${walk.where} ${unreadOnly}
         ${walk.order} limit ${q.limit + 1}) p) as items,
      ${unreadCountOf(q.userId, q.tenantId)} as unread,
      ${joinColumns(q.channel)}` };
}

/** One page, the exact unread count and the stream join, from one snapshot (one statement). */
export async function queryNotifications(database: Database, q: NotificationQuery): Promise<NotificationPage> {
  const rows = await runRead<{ items: unknown; unread: number | string; stream_seq: number | string; pending: unknown }>(database, notificationPage(q));
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

/** The user's watermark row in the tenant, created when missing and locked until commit. */
async function lockWatermark(tx: Tx, tenantId: string, userId: string): Promise<number> {
  await tx.execute(sql`insert into notification_watermarks (user_id, tenant_id, read_all_before) values (${userId}, ${tenantId}, 0) on conflict (user_id, tenant_id) do nothing`);
  const rows = rowsOf<{ read_all_before: number | string }>(await tx.execute(sql`
    select read_all_before from notification_watermarks where user_id = ${userId} and tenant_id = ${tenantId} for update`));
  return Number(rows[0]!.read_all_before);
}

/** What a mark changed: the user's read-state version after it (null: nothing changed, read already). */
export interface ReadMark {
  version: number | null;
}

/** Bumps the user's read-state version (under the watermark row's lock the caller holds) and returns it. */
async function bumpVersion(tx: Tx, tenantId: string, userId: string): Promise<number> {
  const rows = rowsOf<{ version: number | string }>(await tx.execute(sql`
    update notification_watermarks set version = version + 1 where user_id = ${userId} and tenant_id = ${tenantId} returning version`));
  return Number(rows[0]!.version);
}

/**
 * Marks one notification read for the user; null when the tenant has no such notification. Under the
 * user's watermark row, so that a read-all running at the same time cannot count the same one twice.
 */
export async function markRead(database: Database, tenantId: string, userId: string, id: string): Promise<ReadMark | null> {
  return database.db.transaction(async (tx) => {
    const target = rowsOf<{ nseq: number | string }>(await tx.execute(sql`select nseq from notifications where tenant_id = ${tenantId} and id = ${id}::uuid`));
    if (target.length === 0) return null;
    const watermark = await lockWatermark(tx, tenantId, userId);
    if (Number(target[0]!.nseq) <= watermark) return { version: null }; // read already, by a read-all
    const inserted = rowsOf<{ notification_id: string }>(await tx.execute(sql`
      insert into notification_reads (user_id, notification_id) values (${userId}, ${id}::uuid) on conflict do nothing returning notification_id`));
    if (inserted.length === 0) return { version: null };
    await tx.execute(sql`update notification_watermarks set read_above = read_above + 1 where user_id = ${userId} and tenant_id = ${tenantId}`);
    return { version: await bumpVersion(tx, tenantId, userId) };
  });
}

/**
 * Marks everything up to now read with one watermark row instead of a row per notification: constant
 * cost however many there are; notifications arriving later are above it, hence unread. Holding the
 * tenant's counter (shared) while it reads the newest `nseq` and the total means no notification of the
 * tenant is half-inserted meanwhile, so `read_below` is exactly the number at or under the watermark.
 */
export async function markAllRead(database: Database, tenantId: string, userId: string): Promise<{ version: number; upTo: string | null }> {
  return database.db.transaction(async (tx) => {
    await usePlan(tx, 'ordered-walk'); // for the newest nseq below
    await tx.execute(sql`insert into notification_counts (tenant_id, total) values (${tenantId}, 0) on conflict (tenant_id) do nothing`);
    const counted = rowsOf<{ total: number | string }>(await tx.execute(sql`select total from notification_counts where tenant_id = ${tenantId} for share`));
    await lockWatermark(tx, tenantId, userId);
    const newest = tenantWalk({ tenantId });
    await tx.execute(sql`
      update notification_watermarks set
        read_all_before = coalesce((select n.nseq from notifications n where ${newest.where} ${newest.order} limit 1), 0),
        read_below = ${Number(counted[0]!.total)}, read_above = 0, updated_at = now()
      where user_id = ${userId} and tenant_id = ${tenantId}`);
    // Rows under the watermark say nothing any more.
    await tx.execute(sql`
      delete from notification_reads r using notifications n
      where r.user_id = ${userId} and n.id = r.notification_id and n.tenant_id = ${tenantId}`);
    const newestRead = rowsOf<{ id: string }>(await tx.execute(sql`
      select n.id from notification_watermarks w join notifications n on n.tenant_id = w.tenant_id and n.nseq = w.read_all_before
      where w.user_id = ${userId} and w.tenant_id = ${tenantId}`));
    return { version: await bumpVersion(tx, tenantId, userId), upTo: newestRead[0]?.id ?? null };
  });
}
