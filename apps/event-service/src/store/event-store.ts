import { sql, type SQL } from 'drizzle-orm';
import type { AcceptedEvent, AnyEventEnvelope } from '@neo/contracts';
import { hasSqlState, type CommitWith, type Database } from './database';
import { executePrepared, guardsOf, rowsOf, withClauses, type DeferredWrite, type Tx } from './sql';

/** An event that passed the contract (pipeline/validate), with its id, timestamp and channel settled: what the store appends. */
export interface ValidatedEvent {
  envelope: AnyEventEnvelope;
  channel: string;
  /** `envelope.data` as JSON, when the validation wrote it already (stored as is, not written again). */
  dataJson?: string;
  /** The size of `dataJson` in UTF-8 bytes, measured by the validation (the size metric's figure). */
  dataBytes?: number;
}

/** Postgres NOTIFY channel the relays listen on (sent after ingest commits, see DurableSink). */
export const OUTBOX_NOTIFY = 'neo_outbox';

/**
 * Which of `ids` are stored already (a retried request's events are neither projected nor stored again).
 * One primary-key probe per id, written so that no plan can do otherwise: as `id = any($1)`, the generic
 * plan a connection made on a new database's empty table was a sequential scan, kept as the table grew
 * (test/integration/ingest-plans.test.ts), as the append's check once was.
 */
export async function storedIds(tx: Pick<Tx, 'execute'>, ids: string[]): Promise<Set<string>> {
  const rows = rowsOf<{ id: string }>(
    await executePrepared(tx, 'neo_stored_ids', sql`select u.id from unnest(${sql.param(ids)}::uuid[]) as u(id) where (select true from events e where e.id = u.id limit 1)`),
  );
  return new Set(rows.map((r) => r.id));
}

/** An event stored for the first time by `appendEvents`: where it is (`pos`) and its place in its channel (`seq`). */
export interface AppendedEvent {
  pos: number;
  seq: number;
}

/** Raised when one of the ids to append was stored already (by a concurrent transaction, or before): retry carefully. */
export class ConcurrentDuplicateError extends Error {
  override name = 'ConcurrentDuplicateError';
}

export interface AppendOptions {
  /**
   * Every event is taken to be new (the ingest's optimistic first try): one that is stored already fails
   * the statement, and with it the transaction, instead of being answered as a duplicate.
   */
  allNew?: boolean;
  /** Run the append as the transaction's last statement, committing with it (pipelinedTransaction). */
  commitWith?: CommitWith;
}

/** SQLSTATE of the append's own check (`neo_assert_appended`, migration 0240). */
const APPEND_GUARD = 'NEODP';

/**
 * Appends events and their outbox rows in the caller's transaction, each with its channel sequence number
 * (`seq`), given here — in the ingest transaction, not by the relay — so that an event can be published
 * the moment its transaction commits (the fast path) and every committed event already has its number.
 *
 * One statement: ids already stored are left out first, then the channels' counters are advanced (a row
 * lock per channel, held until commit, so numbers follow commit order per channel; channels are locked in
 * name order, so two transactions never wait on each other crosswise), then events and outbox rows are
 * inserted with their numbers. Numbering at insert means no second write of the event row.
 *
 * An id stored by a concurrent transaction after the check would leave a hole in the numbers: the
 * statement itself detects that (fewer rows inserted than numbered) and fails, so the transaction is
 * rolled back even when its COMMIT was sent behind the statement (`commitWith`); it is answered as
 * `ConcurrentDuplicateError`, and the retry sees the id as already stored. An id already stored gets its
 * first channel in the answer, so a retried request gets the first answer.
 *
 * `before`: projectors' writes carried by this same statement (DeferredWrite), one round trip fewer.
 */
export async function appendEvents(
  tx: Tx,
  events: ValidatedEvent[],
  before: readonly DeferredWrite[] = [],
  options: AppendOptions = {},
): Promise<{ accepted: AcceptedEvent[]; inserted: Map<string, AppendedEvent> }> {
  // Arrays as parameters (unnest), whatever the batch size: the statement's text and its building cost
  // stay constant, which matters on the hottest path of the service. `ord` keeps the request's order for
  // `pos` and `seq`.
  const col = <T>(f: (e: ValidatedEvent) => T) => sql.param(events.map(f));
  const name = ['neo_append_events', ...before.map((w) => w.name)].join('+');
  const run = options.commitWith ?? ((n: string, q: SQL) => executePrepared(tx, n, q));
  const rows = rowsOf<{ id: string | null; pos: number | string | null; seq: number | string | null }>(
    await run(name, sql`
      with ${before.length > 0 ? sql`${withClauses(before)},` : sql``} input as (
        select u.* from unnest(${col((e) => e.envelope.id)}::uuid[], ${col((e) => e.envelope.type)}::text[], ${col((e) => e.envelope.tenantId ?? null)}::text[],
                               ${col((e) => e.channel)}::text[], ${col((e) => e.dataJson ?? JSON.stringify(e.envelope.data))}::text[], ${col((e) => e.envelope.timestamp)}::timestamptz[])
             with ordinality as u(id, type, tenant_id, channel, data, ts, ord)
        -- The deferred writes' checks first (a one-time filter): they finish those writes, so their rows
        -- are locked before the channels' counters, the order every other transaction takes them in.
        where ${guardsOf(before)}
      ), fresh as (
        -- One lookup by primary key per event, whatever the statistics say: written as NOT EXISTS, the
        -- planner made it a hash anti-join, and a prepared statement's generic plan made on a new database
        -- (a few rows counted) then read the whole events table in every append, slower as it grew. A
        -- scalar subquery is never turned into a join.
        select i.* from input i where (select true from events e where e.id = i.id limit 1) is null
      ), counts as (
        select channel, count(*) as n from fresh group by channel
      ), tops as (
        insert into channel_streams (channel, last_seq)
        select channel, n from counts order by channel
        on conflict (channel) do update set last_seq = channel_streams.last_seq + excluded.last_seq
        returning channel, last_seq
      ), numbered as (
        select f.*, t.last_seq - c.n + row_number() over (partition by f.channel order by f.ord) as seq
        from fresh f join counts c using (channel) join tops t using (channel)
      ), ins as (
        insert into events (id, type, tenant_id, channel, data, ts, seq)
        select id, type, tenant_id, channel, data::jsonb, ts, seq from numbered order by ord
        on conflict (id) do nothing
        returning pos, id, channel, seq
      ), ob as (
        insert into outbox (pos, event_id, channel, seq) select pos, id, channel, seq from ins
      ), guard as (
        -- Raised, not returned: the transaction may be committing behind this statement already.
        select neo_assert_appended((select count(*) from ins) = (select count(*) from fresh)
          and (not ${options.allNew === true}::boolean or (select count(*) from fresh) = (select count(*) from input))) as ok
      )
      -- The second branch is the one row of an append that inserted nothing, so the guard runs either way.
      select ins.id, ins.pos, ins.seq from ins where (select ok from guard)
      union all select null, null, null where not exists (select 1 from ins) and (select ok from guard)`).catch((err: unknown) => {
      throw hasSqlState(err, APPEND_GUARD) ? new ConcurrentDuplicateError('an id was stored already; retry', { cause: err }) : err;
    }),
  );
  const stored = rows.filter((r) => r.id !== null);
  const inserted = new Map(stored.map((r) => [r.id!, { pos: Number(r.pos), seq: Number(r.seq) }]));
  const channelById = new Map(events.map((e) => [e.envelope.id, e.channel]));
  if (inserted.size < events.length) {
    const duplicates = events.filter((e) => !inserted.has(e.envelope.id)).map((e) => e.envelope.id);
    const existing = rowsOf<{ id: string; channel: string }>(await tx.execute(sql`select id, channel from events where id = any(${sql.param(duplicates)}::uuid[])`));
    existing.forEach((r) => channelById.set(r.id, r.channel));
  }
  return { accepted: events.map((e) => ({ id: e.envelope.id, channel: channelById.get(e.envelope.id)! })), inserted };
}

export interface StoredEvent {
  pos: number;
  seq: number | null;
  envelope: AnyEventEnvelope;
}

export interface EventRow {
  pos: number | string;
  id: string;
  type: string;
  tenant_id: string | null;
  data: unknown;
  /** The stored instant; read as `timestamp` (ISO_TIMESTAMP) instead where the text is what is wanted. */
  ts?: string | Date;
  /** `ts` already as the envelope's text (`toISOString`'s form), when the read selected ISO_TIMESTAMP. */
  timestamp?: string;
  seq: number | string | null;
}

/**
 * `ts` as the text `toISOString` gives (UTC, milliseconds), written by PostgreSQL: the reads that answer
 * with hundreds of events select it so, instead of node-postgres parsing each `timestamptz` into a Date
 * that is turned straight back into text (~1.3 µs a row on the event loop). The same text for every stored
 * instant: ingest keeps them in 0001…9999 UTC at millisecond precision (isoInstant), and `MS` truncates
 * as a Date does.
 */
export const ISO_TIMESTAMP = sql.raw(`to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

export function toStoredEvent(r: EventRow): StoredEvent {
  const seq = r.seq === null ? null : Number(r.seq);
  const data = typeof r.data === 'string' ? JSON.parse(r.data) : r.data;
  const timestamp = r.timestamp ?? new Date(r.ts!).toISOString();
  // Object literals, not conditional spreads: built for every event of a page, and the keys keep the
  // envelope's order (id, type, tenantId, data, timestamp, seq), which is the order of the JSON answered.
  const envelope = (r.tenant_id
    ? seq !== null ? { id: r.id, type: r.type, tenantId: r.tenant_id, data, timestamp, seq } : { id: r.id, type: r.type, tenantId: r.tenant_id, data, timestamp }
    : seq !== null ? { id: r.id, type: r.type, data, timestamp, seq } : { id: r.id, type: r.type, data, timestamp }) as AnyEventEnvelope;
  return { pos: Number(r.pos), seq, envelope };
}

/** Whether an event of `channel` numbered before `seq` is still waiting in the outbox (not yet published). */
export async function outboxHasEarlier(database: Database, channel: string, seq: number): Promise<boolean> {
  const [row] = rowsOf<{ waiting: boolean }>(await executePrepared(database.db, 'neo_outbox_has_earlier', sql`select exists (select 1 from outbox where channel = ${channel} and seq < ${seq}) as waiting`));
  return Boolean(row?.waiting);
}

/**
 * Takes published events out of the outbox. Only that: the event row is not touched again (it used to
 * get a `published_at` stamp, which nothing read and which rewrote every event once more, its search
 * vector and indexes included: as much work for PostgreSQL as the insert itself).
 */
export async function removeFromOutbox(db: Pick<Tx, 'execute'>, positions: number[]): Promise<void> {
  await executePrepared(db, 'neo_remove_from_outbox', sql`delete from outbox where pos = any(${sql.param(positions)}::bigint[])`);
}

/** Session advisory lock of the active relay (one per database). */
export const RELAY_LOCK = 7_420_002;

/**
 * Events of a channel after stream position `afterSeq`, oldest first: what a client that saw `afterSeq`
 * missed. No lock: the relay commits an event's `seq` before publishing it, so every event a subscriber
 * can have seen live is already visible here.
 */
export async function eventsAfterSeq(database: Database, channel: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
  const rows = await database.rows<EventRow>(sql`
    select pos, id, type, tenant_id, data, ${ISO_TIMESTAMP} as timestamp, seq from events
    where channel = ${channel} and seq > ${afterSeq}
    order by seq asc limit ${limit}`);
  return rows.map(toStoredEvent);
}

export interface RetentionOptions {
  /** Events per delete (each its own short transaction). Default 1000. */
  batchSize?: number;
  /** Stops between batches when aborted (shutdown). */
  signal?: AbortSignal;
  /** Called after each batch with its size and duration, ms. */
  onBatch?: (info: { deleted: number; ms: number }) => void;
}

/**
 * Deletes events older than `olderThan` (retention); returns how many. Events not yet relayed stay.
 * Oldest first by the created_at index, in batches that are each one short statement (row locks on the
 * deleted rows only, held for milliseconds), pausing between batches as long as the batch took: the
 * cleanup never takes more than half of one connection, which on PGlite (ONE connection for all) is what
 * keeps ingest and the relay moving while a large backlog is deleted. `skip locked`: instances running
 * it at the same time share the work instead of queueing on each other's rows.
 */
export async function deleteExpiredEvents(database: Database, olderThan: Date, options: RetentionOptions = {}): Promise<number> {
  const batch = options.batchSize ?? 1000;
  let total = 0;
  while (!options.signal?.aborted) {
    const t0 = performance.now();
    const rows = await database.rows<{ n: number | string }>(sql`
      with doomed as (
        select pos from events e
        where created_at < ${olderThan.toISOString()}::timestamptz
          and not exists (select 1 from outbox o where o.pos = e.pos)
        order by created_at limit ${batch}
        for update skip locked
      ), del as (delete from events e using doomed d where e.pos = d.pos returning 1)
      select count(*)::int as n from del`);
    const n = Number(rows[0]?.n ?? 0);
    const ms = performance.now() - t0;
    total += n;
    options.onBatch?.({ deleted: n, ms });
    if (n < batch) break;
    await pause(Math.max(ms, 5), options.signal);
  }
  return total;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Tenants with the most events over the last `windowSeconds`, most first (indexed on `created_at`), at most `limit`. */
export async function topTenants(database: Database, windowSeconds: number, limit: number): Promise<Array<{ tenant_id: string; events: number | string }>> {
  return database.rows<{ tenant_id: string; events: number | string }>(sql`
    select tenant_id, count(*) as events
    from events
    where created_at > now() - make_interval(secs => ${windowSeconds}) and tenant_id is not null
    group by tenant_id
    order by count(*) desc, tenant_id
    limit ${limit}`);
}
