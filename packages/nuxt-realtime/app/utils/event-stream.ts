/**
 * Stream bookkeeping shared by every consumer of event publications, in plain TypeScript (no Vue, no
 * Nuxt, no imports at all): importable as `@neo/nuxt-realtime/stream` from tests, scripts and other
 * front ends.
 *
 * Why: a page may see the same event twice, from the HTTP snapshot and from the subscription that
 * follows it, or from Centrifugo's recovery after a reconnect. The relay stamps each event with `seq`,
 * its position in its channel's stream, so "already seen" is one number per channel.
 */

/** The part of an event envelope the tracker reads. */
export interface SequencedEnvelope {
  id: string;
  /** Position in the channel's stream; absent on events that never went through the relay. */
  seq?: number;
}

export interface SeqTrackerOptions {
  /** How many ids of envelopes without `seq` are remembered to drop their repeats. Default 500. */
  maxUnsequencedIds?: number;
}

/** The stream used when `accept` is not told the channel: fine for a tracker that serves one channel. */
const DEFAULT_STREAM = '';

export class SeqTracker {
  private readonly lastSeq = new Map<string, number>();
  private readonly unsequencedIds = new Set<string>();
  private readonly maxUnsequencedIds: number;

  constructor(options: SeqTrackerOptions = {}) {
    this.maxUnsequencedIds = options.maxUnsequencedIds ?? 500;
  }

  /**
   * True when the envelope is new and should be shown; false when it was already seen. `channel`
   * (the publication's channel) keeps the positions of several channels apart in one tracker.
   */
  accept(envelope: SequencedEnvelope, channel: string = DEFAULT_STREAM): boolean {
    if (typeof envelope.seq === 'number' && Number.isFinite(envelope.seq)) {
      const last = this.lastSeq.get(channel);
      if (last !== undefined && envelope.seq <= last) return false;
      this.lastSeq.set(channel, envelope.seq);
      return true;
    }
    // No position to compare: fall back to the id, in a bounded memory (a Set iterates in insertion
    // order, so the first entry is the oldest).
    if (this.unsequencedIds.has(envelope.id)) return false;
    this.unsequencedIds.add(envelope.id);
    if (this.unsequencedIds.size > this.maxUnsequencedIds) {
      const oldest = this.unsequencedIds.values().next().value;
      if (oldest !== undefined) this.unsequencedIds.delete(oldest);
    }
    return true;
  }

  /** The highest `seq` accepted on a channel, if any (e.g. to ask the history API for what follows). */
  lastSeen(channel: string = DEFAULT_STREAM): number | undefined {
    return this.lastSeq.get(channel);
  }

  /** Forgets everything, e.g. when a stream restarted (Centrifugo reports `recovered: false`). */
  reset(): void {
    this.lastSeq.clear();
    this.unsequencedIds.clear();
  }
}
