import type { StreamPosition } from '@neo/contracts';

/** The part of an event envelope the engine reads. */
export interface SequencedEvent {
  id: string;
  /** Position in the channel's durable stream (given at ingest); absent on events from an older service. */
  seq?: number;
}

/**
 * Where state loaded over HTTP stands in the channel's durable stream: what the read routes return
 * next to their state (`streamSeq`, `pendingEventIds`, `pendingOverflow`).
 */
export interface SeqAnchor {
  /** Every event of the channel up to this sequence is in the state. */
  streamSeq: number;
  /** Events in the state not numbered yet: they arrive later with a higher `seq` and are skipped. */
  pendingEventIds?: readonly string[];
  /** The service capped `pendingEventIds`: the join is not exact, the state is loaded again a little later. */
  pendingOverflow?: boolean;
}

/** Where state loaded over HTTP stands in Centrifugo's stream (offset mode: presence). */
export interface OffsetAnchor {
  /** Centrifugo's position read before the state; null when the service could not read it. */
  position: StreamPosition | null;
}
