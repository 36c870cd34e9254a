import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { StreamJoin } from '@neo/contracts';

/*
 * The store's helpers, in one place: the handle types, what turns driver results into plain values, named
 * prepared statements, and the stream join every read route puts next to its state.
 *
 * No drizzle schema: every query is SQL (group commit, `json_agg` reads, prepared statements, migrations
 * in SQL), so a table model would only describe part of the database and never be used to query it.
 */

/** A drizzle handle on PGlite or node-postgres; queries go through `execute(sql`…`)`. */
export type Db = PgDatabase<PgQueryResultHKT>;
/** The handle inside `db.transaction(tx => …)`; on PGlite, query it and never `db` there (one connection). */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The rows of an `execute` result (both drivers answer `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** A jsonb column: an object from node-postgres, sometimes a string from PGlite. */
export const jsonColumn = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** A timestamptz column as ISO 8601 (a Date from node-postgres, a string or Date from PGlite). */
export const isoColumn = (v: string | Date): string => new Date(v).toISOString();

/**
 * Runs `query` as a NAMED prepared statement on node-postgres: parsed and planned once per connection
 * instead of at every call (≈ 0.3 ms each for the hot ingest statements, measured with EXPLAIN on the local
 * server). drizzle's `execute` never names a statement, so this goes through its session's
 * `prepareQuery`, present on the database and on a transaction (drizzle-orm 0.45; checked by the tests,
 * which run every hot statement through here). PGlite ignores the name. Only for statements whose text
 * never changes (arrays as parameters): a name stands for one text on a connection.
 */
export async function executePrepared(db: Pick<Tx, 'execute'>, name: string, query: SQL): Promise<unknown> {
  const internal = db as unknown as {
    session?: { prepareQuery(q: { sql: string; params: unknown[] }, fields: undefined, name: string, arrayMode: boolean): { execute(): Promise<unknown> } };
    dialect?: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } };
  };
  if (!internal.session?.prepareQuery || !internal.dialect?.sqlToQuery) return db.execute(query);
  return internal.session.prepareQuery(internal.dialect.sqlToQuery(query), undefined, name, false).execute();
}

/**
 * Writes a projector leaves to the statement that appends the transaction's events: named common table
 * expressions (`name as (insert … / update …)`, comma-separated, no `with`), run by that statement instead
 * of one of their own, which saves the ingest transaction a round trip to PostgreSQL. `name` is the
 * prepared statement's name (its text never changes). Nothing in the append reads the tables they write;
 * a projector that reads them runs after they were written on their own (DurableSink).
 */
export interface DeferredWrite {
  name: string;
  ctes: SQL;
  /**
   * A boolean expression over the CTEs' results that raises when the write must not stand (a state
   * changed since it was read: `neo_assert_state`, SQLSTATE `STATE_GUARD`): the statement that carries
   * the write evaluates it first, so that the error fails that statement (a CTE nothing reads is never run).
   */
  guard?: SQL;
}

/** SQLSTATE a deferred write's guard raises (`neo_assert_state`, migration 0250): retry the careful way. */
export const STATE_GUARD = 'NEOCS';

/** Runs deferred writes in one statement of their own. */
export async function executeDeferred(db: Pick<Tx, 'execute'>, writes: readonly DeferredWrite[]): Promise<void> {
  if (writes.length === 0) return;
  await executePrepared(db, writes.map((w) => w.name).join('+'), sql`with ${withClauses(writes)} select ${guardsOf(writes)}`);
}

/** The writes' guards as one boolean expression (true when there are none). */
export function guardsOf(writes: readonly DeferredWrite[]): SQL {
  return sql.join([sql`true`, ...writes.flatMap((w) => (w.guard ? [sql`(${w.guard})`] : []))], sql` and `);
}

/** Deferred writes as the leading clauses of a `with` (the caller writes `with` and what follows). */
export function withClauses(writes: readonly DeferredWrite[]): SQL {
  return sql.join(writes.map((w) => w.ctes), sql`, `);
}

/** Most pending ids a read route returns; past it the reader is told to load again a little later. */
export const MAX_PENDING_EVENT_IDS = 500;

/**
 * What a reader needs to join the live stream exactly (the contract's `StreamJoin`): the channel's last
 * sequence number and the ids of events already projected but not yet numbered (they will arrive with a
 * higher `seq` and must be skipped). Read in the SAME statement as the state, so both come from one
 * snapshot.
 *
 * Events are numbered in their ingest transaction, so every event the snapshot holds has `seq ≤
 * streamSeq` and the pending list is empty; only rows written by an older version (numbered later by the
 * relay) can be pending.
 *
 * The pending ids are capped (a relay far behind must not turn every read into a scan of its backlog):
 * when there are more, `pendingOverflow` says the join cannot be exact, and the client loads again.
 */
export type { StreamJoin };

/** The two columns of the join, to put next to the state's in one select (the outbox is indexed by channel). */
export const joinColumns = (channel: string) => sql`
  (select coalesce(max(last_seq), 0) from channel_streams where channel = ${channel}) as stream_seq,
  (select coalesce(json_agg(p.event_id::text), '[]'::json) from (
     select event_id from outbox where channel = ${channel} and seq is null order by pos limit ${MAX_PENDING_EVENT_IDS + 1}) p) as pending`;

export function joinOf(r: { stream_seq: number | string; pending: unknown }): StreamJoin {
  const pending = jsonColumn<string[]>(r.pending);
  return pending.length > MAX_PENDING_EVENT_IDS
    ? { streamSeq: Number(r.stream_seq), pendingEventIds: pending.slice(0, MAX_PENDING_EVENT_IDS), pendingOverflow: true }
    : { streamSeq: Number(r.stream_seq), pendingEventIds: pending };
}
