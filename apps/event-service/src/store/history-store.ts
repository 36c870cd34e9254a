import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { toStoredEvent, type EventRow, type StoredEvent } from './event-store';
import { runRead, type ReadStatement } from './read-statement';

export interface HistoryQuery {
  channel: string;
  /** Full-text query (words, AND), matched against the type and the string and number values of `data`. */
  q?: string;
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
const COLUMNS = sql`pos, id, type, tenant_id, data, ts, seq`;

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

function dates(query: HistoryQuery, prefix: '' | 'm.' = ''): SQL | null {
  const where: SQL[] = [];
  if (query.from) where.push(sql`${sql.raw(prefix)}ts >= ${query.from}::timestamptz`);
  if (query.to) where.push(sql`${sql.raw(prefix)}ts <= ${query.to}::timestamptz`);
  return where.length > 0 ? sql.join(where, sql` and `) : null;
}

function filters(query: HistoryQuery): SQL | null {
  const where = [dates(query), query.q ? sql`search @@ plainto_tsquery('simple', ${query.q})` : null].filter((w): w is SQL => w !== null);
  return where.length > 0 ? sql.join(where, sql` and `) : null;
}

/** A page without search or range: the newest `limit` rows below the cursor, straight off the index. */
export function historyPage(query: HistoryQuery): ReadStatement {
  return { plan: 'ordered-walk', query: sql`select ${COLUMNS} from events where ${channelWalk(query.channel, query.beforePos)} ${NEWEST_FIRST} limit ${query.limit}` };
}

/**
 * Step 1 of a search or range: the matches among the newest HISTORY_WINDOW rows below the cursor, in
 * order, stopping at `limit`. When the window holds fewer matches, its last row comes back too, flagged
 * `edge` (whether it matched is `hit`): step 2 continues below it.
 */
export function historyWindow(query: HistoryQuery): ReadStatement {
  return { plan: 'ordered-walk', query: sql`
    select ${COLUMNS}, hit, n = ${HISTORY_WINDOW} as edge from (
      select ${COLUMNS}, channel, coalesce(${filters(query) ?? sql`true`}, false) as hit,
             row_number() over (${NEWEST_FIRST}) as n
      from (select * from events where ${channelWalk(query.channel, query.beforePos)} ${NEWEST_FIRST} limit ${HISTORY_WINDOW}) w
    ) x
    where hit or n = ${HISTORY_WINDOW}
    ${NEWEST_FIRST} limit ${query.limit}` };
}

/**
 * Step 2: the newest `limit` matches below `belowPos` (the window's last row), for what the window did
 * not settle: few matches (rare words, ranges in the past), found through the index of the filter, then
 * sorted by `pos`. The fenced subquery (`offset 0`) holds only the conditions that index serves (the
 * words for GIN; the channel and the dates for (channel, ts, pos)), so that under `index-lookup` it is
 * the only way in; the rest is checked on what it returns. Only `pos` is sorted; the page's rows are
 * read afterwards.
 */
export function historyOlder(query: HistoryQuery, belowPos: number): ReadStatement {
  const byIndex = query.q
    ? sql`select pos, channel, ts from events where search @@ plainto_tsquery('simple', ${query.q}) offset 0`
    : sql`select pos, channel, ts from events where channel = ${query.channel} and ${dates(query) ?? sql`true`} offset 0`;
  const rest = [sql`m.channel = ${query.channel}`, sql`m.pos < ${belowPos}::bigint`, ...(query.q ? [dates(query, 'm.') ?? sql`true`] : [])];
  return {
    plan: 'index-lookup',
    query: sql`
      select ${COLUMNS} from events where pos in (
        select m.pos from (${byIndex}) m where ${sql.join(rest, sql` and `)} order by m.pos desc limit ${query.limit})
      order by pos desc`,
  };
}

/** One page of a channel's stored events, newest first. */
export async function queryHistory(database: Database, query: HistoryQuery): Promise<StoredEvent[]> {
  if (!filters(query)) return (await runRead<EventRow>(database, historyPage(query))).map(toStoredEvent);
  const window = await runRead<EventRow & { hit: boolean; edge: boolean }>(database, historyWindow(query));
  const hits = window.filter((r) => r.hit);
  const edge = window.find((r) => r.edge);
  if (hits.length >= query.limit || !edge) return hits.map(toStoredEvent);
  const older = await runRead<EventRow>(database, historyOlder({ ...query, limit: query.limit - hits.length }, Number(edge.pos)));
  return [...hits, ...older].map(toStoredEvent);
}
