import { sql } from 'drizzle-orm';
import type { StreamJoin } from '@neo/contracts';
import { jsonColumn } from './database';

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
