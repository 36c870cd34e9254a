import type { AnyEventEnvelope } from '@neo/contracts';
import type { HistoryAnchor } from '../utils/live-anchor';

/**
 * Joins a channel's live stream to state loaded over HTTP, with no gap and no double.
 *
 * The subscription starts at once and buffers; `anchor()` gets the snapshot's `streamSeq` (every event
 * up to it is in the state) and `pendingEventIds` (events in the state that the relay has not yet
 * published; they will come with a higher `seq` and are skipped). Events after the anchor are then
 * applied once, in `seq` order; a hole in the sequence (or a resubscribe Centrifugo could not recover)
 * is filled from `GET /v1/history?afterSeq=` before going on.
 */
export interface LiveStreamOptions {
  /** Loads the state again (and anchors again); called a little later when an anchor could not be exact. */
  reload?: () => void;
  /** How long to wait before that reload, ms. Default 2000. */
  reloadDelayMs?: number;
}

export function useLiveStream(channel: MaybeRefOrGetter<string>, onEvent: (event: AnyEventEnvelope) => void, options: LiveStreamOptions = {}) {
  const { apiFetch } = useAuth();
  let lastSeq: number | null = null;
  let skip = new Set<string>();
  let buffer: AnyEventEnvelope[] = [];
  let catchingUp = false;

  function deliver(event: AnyEventEnvelope): void {
    if (typeof event.seq === 'number') {
      if (lastSeq !== null && event.seq <= lastSeq) return;
      lastSeq = event.seq;
    }
    if (skip.delete(event.id)) return;
    onEvent(event);
  }

  function receive(event: AnyEventEnvelope): void {
    if (lastSeq === null || catchingUp) {
      buffer.push(event);
      return;
    }
    if (typeof event.seq === 'number' && event.seq > lastSeq + 1) {
      buffer.push(event);
      void catchUp();
      return;
    }
    deliver(event);
  }

  async function catchUp(): Promise<void> {
    if (catchingUp || lastSeq === null) return;
    catchingUp = true;
    const name = toValue(channel);
    try {
      for (let delay = 500; ; delay = Math.min(5_000, delay * 2)) {
        try {
          let page: AnyEventEnvelope[];
          do {
            const query = new URLSearchParams({ channel: name, afterSeq: String(lastSeq ?? 0), limit: '200' });
            page = (await apiFetch<{ items: AnyEventEnvelope[] }>(`/v1/history?${query}`)).items;
            page.forEach(deliver);
          } while (page.length === 200);
          break;
        } catch {
          // Temporary (network, 503): the buffer keeps live events meanwhile.
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    } finally {
      catchingUp = false;
    }
    const pending = buffer.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    buffer = [];
    pending.forEach(receive);
  }

  const { state, isSubscribed } = useChannel<AnyEventEnvelope>(channel, (data) => receive(data));

  // After a resubscribe, fetch what the store has beyond our position (harmless when Centrifugo
  // recovered it all: those are dropped by `seq`).
  watch(state, (next, previous) => {
    if (next === 'subscribed' && previous !== 'subscribed') void catchUp();
  });

  /** Sets the position of freshly loaded state; live events before it are dropped, after it applied. */
  let reloadTimer: ReturnType<typeof setTimeout> | null = null;
  function anchor(at: HistoryAnchor): void {
    lastSeq = at.streamSeq;
    skip = new Set(at.pendingEventIds);
    void catchUp();
    // Too many events were pending to list them all: some live events may repeat what the state holds.
    // Once the relay has caught up, loading again gives an exact join.
    if (at.pendingOverflow && options.reload && !reloadTimer) {
      reloadTimer = setTimeout(() => {
        reloadTimer = null;
        options.reload?.();
      }, options.reloadDelayMs ?? 2000);
    }
  }
  if (getCurrentScope()) onScopeDispose(() => reloadTimer && clearTimeout(reloadTimer));

  return { state, isSubscribed, anchor };
}
