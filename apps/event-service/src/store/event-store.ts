import { sql } from 'drizzle-orm';
import type { AcceptedEvent, AnyEventEnvelope } from '@neo/contracts';
import type { Database, Db } from './database';
import type { ValidatedEvent } from '../pipeline/validate';

/** Postgres NOTIFY channel the relays listen on (sent after ingest commits, see DurableSink). */
export const OUTBOX_NOTIFY = 'neo_outbox';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Appends events and their outbox rows in the caller's transaction. An id already stored is not stored
 * again; its first channel is returned, so a retried request gets the first answer.
 */
export async function appendEvents(tx: Tx, events: ValidatedEvent[]): Promise<{ accepted: AcceptedEvent[]; inserted: Set<string> }> {
  // Arrays as six parameters (unnest), whatever the batch size: the statement's text and its building
  // cost stay constant, which matters on the hottest path of the service. `with ordinality` keeps the
  // request's order for `pos`, hence for the relay.
  const col = <T>(f: (e: ValidatedEvent) => T) => sql.param(events.map(f));
  const insertedRows = rowsOf<{ id: string }>(
    await tx.execute(sql`
      with ins as (
        insert into events (id, type, tenant_id, channel, data, ts)
        select u.id, u.type, u.tenant_id, u.channel, u.data::jsonb, u.ts
        from unnest(${col((e) => e.envelope.id)}::uuid[], ${col((e) => e.envelope.type)}::text[], ${col((e) => e.envelope.tenantId ?? null)}::text[],
                    ${col((e) => e.channel)}::text[], ${col((e) => JSON.stringify(e.envelope.data))}::text[], ${col((e) => e.envelope.timestamp)}::timestamptz[])
             with ordinality as u(id, type, tenant_id, channel, data, ts, ord)
        order by u.ord
        on conflict (id) do nothing
        returning pos, id, channel
      ), ob as (
        insert into outbox (pos, event_id, channel) select pos, id, channel from ins
      )
      select id from ins`),
  );
  const inserted = new Set(insertedRows.map((r) => r.id));
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
  ts: string | Date;
  seq: number | string | null;
}

export function toStoredEvent(r: EventRow): StoredEvent {
  const seq = r.seq === null ? null : Number(r.seq);
  const envelope = {
    id: r.id,
    type: r.type,
    ...(r.tenant_id ? { tenantId: r.tenant_id } : {}),
    data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
    timestamp: new Date(r.ts).toISOString(),
    ...(seq !== null ? { seq } : {}),
  } as AnyEventEnvelope;
  return { pos: Number(r.pos), seq, envelope };
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
    select pos, id, type, tenant_id, data, ts, seq from events
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

export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
