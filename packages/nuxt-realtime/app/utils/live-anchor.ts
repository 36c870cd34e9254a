import type { StreamPosition } from '@neo/contracts';

/** What the read routes return next to their state, to go live from it (see `useLiveStream`). */
export interface HistoryAnchor {
  /** Last relayed sequence of the channel included in the state. */
  streamSeq: number;
  /** Events in the state not yet relayed; they arrive later with a higher `seq` and are skipped. */
  pendingEventIds: string[];
  /** The service capped `pendingEventIds` (the relay is far behind): the join is not exact, load again later. */
  pendingOverflow?: boolean;
  /** Centrifugo's position, read before the state (for clients that subscribe with `since`). */
  position?: StreamPosition | null;
}
