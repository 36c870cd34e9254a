import { sql, type SQL } from 'drizzle-orm';
import { USER_SUBJECT_FIELDS, type EventType } from '@neo/contracts';
import type { Database } from './database';
import { ISO_TIMESTAMP, toStoredEvent, type EventRow, type StoredEvent } from './event-store';
import { runRead, type ReadStatement } from './read-statement';

export interface HistoryQuery {
  /** One channel; absent, every stored event (operators' search without a channel). */
  channel?: string;
  /** Full-text query (words, AND), matched against the type and the string and number values of `data`. */
  q?: string;
  /** Only these event types. */
  types?: readonly EventType[];
  /** Only events about or by this user (USER_SUBJECT_FIELDS of the contract). */
  userId?: string;
  from?: string;
  to?: string;
  limit: number;
  /** Newest-first paging: only events with `pos` below this. */
  beforePos?: number;
}

/**
 * How many of a channel's newest rows (below the cursor) a search or a date range examines in order
 * before it asks an index for the rest. A word in ≥ limit/WINDOW of the recent events (a common word, a
 * range that covers the recent past) is answered inside the window after reading about limit/frequency
 * rows; a rarer one costs the window (≈ 1 ms on Postgres) plus the index lookup of its older matches.
 */
export const HISTORY_WINDOW = 2_000;

const MAX_POS = '9223372036854775807';
const COLUMNS = sql`pos, id, type, tenant_id, channel, data, ts, seq`;
/** COLUMNS as a statement answers them: `ts` as its ISO text (see ISO_TIMESTAMP). */
const ANSWER = sql`pos, id, type, tenant_id, channel, data, ${ISO_TIMESTAMP} as timestamp, seq`;

/**
 * The user an event is about or by: the contract's USER_SUBJECT_FIELDS as one expression, written
 * exactly as the expression of `events_subject_pos_idx` (migration 0216), or the planner cannot use it.
 */
export const SUBJECT = sql.raw(`coalesce(${Object.values(USER_SUBJECT_FIELDS).map((field) => `data->>'${field}'`).join(', ')})`);

/**
 * One channel's rows below `beforePos`, as a range of the (channel, pos) index, newest first. A row
 * comparison instead of `channel = $1`: with the equality, the planner sees the channel as a constant,
 * drops it from the ORDER BY and may walk the global `pos` index instead, filtering out every newer
 * event of every other channel (its statistics cannot tell that a channel's rows are not spread evenly
 * over `pos`). Ordered by (channel, pos), only this index gives the order without a sort, and under
 * the `ordered-walk` plan (read-statement.ts) that is the plan: the walk stops at the page.
 */
function channelWalk(channel: string, beforePos: number | undefined): SQL {
  return sql`(channel, pos) < (${channel}::text, ${beforePos ?? MAX_POS}::bigint) and (channel, pos) > (${channel}::text, 0::bigint)`;
}
const NEWEST_FIRST = sql`order by channel desc, pos desc`;

/**
 * Every stored event below `beforePos`, newest first: the global `pos` index read backwards. Only for
 * operators, whom THE policy lets read every channel; members search their channels one by one.
 */
function globalWalk(beforePos: number | undefined): SQL {
  return sql`pos < ${beforePos ?? MAX_POS}::bigint`;
}
const GLOBAL_NEWEST_FIRST = sql`order by pos desc`;

const walkOf = (query: HistoryQuery) => (query.channel === undefined ? globalWalk(query.beforePos) : channelWalk(query.channel, query.beforePos));
const orderOf = (query: HistoryQuery) => (query.channel === undefined ? GLOBAL_NEWEST_FIRST : NEWEST_FIRST);

/** A tsquery that matches the words of any of `types` (the `search` vector holds the event's type). */
function typeWords(types: readonly EventType[]): SQL {
  return sql.join(types.map((t) => sql`plainto_tsquery('simple', ${t})`), sql` || `);
}

function dates(query: HistoryQuery, prefix: '' | 'm.' = ''): SQL | null {
  const where: SQL[] = [];
  if (query.from) where.push(sql`${sql.raw(prefix)}ts >= ${query.from}::timestamptz`);
  if (query.to) where.push(sql`${sql.raw(prefix)}ts <= ${query.to}::timestamptz`);
  return where.length > 0 ? sql.join(where, sql` and `) : null;
}

function filters(query: HistoryQuery): SQL | null {
  const where = [
    dates(query),
    query.q ? sql`search @@ plainto_tsquery('simple', ${query.q})` : null,
    query.types?.length ? sql`type = any(${sql.param([...query.types])}::text[])` : null,
    query.userId !== undefined ? sql`${SUBJECT} = ${query.userId}` : null,
  ].filter((w): w is SQL => w !== null);
  return where.length > 0 ? sql.join(where, sql` and `) : null;
}

/** A page without search or range: the newest `limit` rows below the cursor, straight off the index. */
export function historyPage(query: HistoryQuery): ReadStatement {
  return { plan: 'ordered-walk', query: sql`select ${ANSWER} from events where ${walkOf(query)} ${orderOf(query)} limit ${query.limit}` };
}

/**
 * Step 1 of a search or range: the matches among the newest HISTORY_WINDOW rows below the cursor, in
 * order, stopping at `limit`. When the window holds fewer matches, its last row comes back too, flagged
 * `edge` (whether it matched is `hit`): step 2 continues below it.
 */
export function historyWindow(query: HistoryQuery): ReadStatement {
  const order = orderOf(query);
  return { plan: 'ordered-walk', query: sql`
    select ${ANSWER}, hit, n = ${HISTORY_WINDOW} as edge from (
      select ${COLUMNS}, coalesce(${filters(query) ?? sql`true`}, false) as hit,
             row_number() over (${order}) as n
      from (select * from events where ${walkOf(query)} ${order} limit ${HISTORY_WINDOW}) w
    ) x
    where hit or n = ${HISTORY_WINDOW}
    ${order} limit ${query.limit}` };
}

/**
 * Step 2: the newest `limit` matches below `belowPos` (the window's last row), for what the window did
 * not settle: few matches (rare words, ranges in the past), found through the index of the filter, then
 * sorted by `pos`. The fenced subquery (`offset 0`) holds only the conditions that index serves, so that
 * under `index-lookup` it is the only way in; the rest is checked on what it returns. The index, by the
 * most selective filter: the words (GIN); the user (events_subject_pos_idx); the types (their words are in
 * the GIN index too, rechecked exactly); the dates ((channel, ts, pos) of the channel, or of every channel
 * the service has streamed, for operators). Only `pos` is sorted; the page's rows are read afterwards.
 */
export function historyOlder(query: HistoryQuery, belowPos: number): ReadStatement {
  const cols = sql`pos, channel, ts, type, ${SUBJECT} as subject`;
  const dateRange = dates(query) ?? sql`true`;
  let byIndex: SQL;
  if (query.q) byIndex = sql`select ${cols} from events where search @@ plainto_tsquery('simple', ${query.q}) offset 0`;
  else if (query.userId !== undefined) byIndex = sql`select ${cols} from events where ${SUBJECT} = ${query.userId} offset 0`;
  else if (query.types?.length) byIndex = sql`select ${cols} from events where search @@ (${typeWords(query.types)}) offset 0`;
  else if (query.channel !== undefined) byIndex = sql`select ${cols} from events where channel = ${query.channel} and ${dateRange} offset 0`;
  else byIndex = sql`select e.* from channel_streams s cross join lateral (select ${cols} from events where channel = s.channel and ${dateRange} offset 0) e`;
  const rest = [
    ...(query.channel !== undefined ? [sql`m.channel = ${query.channel}`] : []),
    sql`m.pos < ${belowPos}::bigint`,
    dates(query, 'm.') ?? sql`true`,
    ...(query.types?.length ? [sql`m.type = any(${sql.param([...query.types])}::text[])`] : []),
    ...(query.userId !== undefined ? [sql`m.subject = ${query.userId}`] : []),
  ];
  return {
    plan: 'index-lookup',
    query: sql`
      select ${ANSWER} from events where pos in (
        select m.pos from (${byIndex}) m where ${sql.join(rest, sql` and `)} order by m.pos desc limit ${query.limit})
      order by pos desc`,
  };
}

/** A stored event and the channel it was published on. */
export type HistoryEvent = StoredEvent & { channel: string };
type HistoryRow = EventRow & { channel: string };
const toHistoryEvent = (r: HistoryRow): HistoryEvent => ({ ...toStoredEvent(r), channel: r.channel });

/** One page of a channel's stored events (or, without a channel, of every stored event), newest first. */
export async function queryHistory(database: Database, query: HistoryQuery): Promise<HistoryEvent[]> {
  if (!filters(query)) return (await runRead<HistoryRow>(database, historyPage(query))).map(toHistoryEvent);
  const window = await runRead<HistoryRow & { hit: boolean; edge: boolean }>(database, historyWindow(query));
  const hits = window.filter((r) => r.hit);
  const edge = window.find((r) => r.edge);
  if (hits.length >= query.limit || !edge) return hits.map(toHistoryEvent);
  const older = await runRead<HistoryRow>(database, historyOlder({ ...query, limit: query.limit - hits.length }, Number(edge.pos)));
  return [...hits, ...older].map(toHistoryEvent);
}

/**
 * The newest `limit` events over several channels (a member's search without a channel): each channel
 * answered by the bounded one-channel read, then merged by `pos`. Exact: every event of the page is
 * among the newest `limit` of its own channel. Costs one read per channel (a member has at most five).
 */
export async function queryHistoryOver(database: Database, channels: readonly string[], query: Omit<HistoryQuery, 'channel'>): Promise<HistoryEvent[]> {
  const pages = await Promise.all(channels.map((channel) => queryHistory(database, { ...query, channel })));
  return pages.flat().sort((a, b) => b.pos - a.pos).slice(0, query.limit);
}
