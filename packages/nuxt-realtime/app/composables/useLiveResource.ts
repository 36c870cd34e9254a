import type { LiveAnchor, SequencedEvent } from '@neo/realtime-client';
import type { JoinContext, LeaveContext } from 'centrifuge';

/** Where a resource loaded over HTTP is: what `NeoLoadState` shows. */
export type LoadStatus = 'loading' | 'ready' | 'error';

export interface LiveResourceOptions<R, E> {
  /** The channel that keeps the resource live; '' = nothing to load (no tenant, no permission). */
  channel: MaybeRefOrGetter<string>;
  /** Reads the resource over HTTP (its answer carries the stream anchor). */
  fetch: (channel: string) => Promise<R>;
  /** Puts a fetched answer in place and returns where it stands in the stream. Synchronous on purpose. */
  accept: (answer: R, channel: string) => LiveAnchor;
  /** Folds one live event into the resource. */
  apply: (event: E) => void;
  /** Forgets the resource (the channel changed: another tenant's data must not linger). */
  reset?: () => void;
  /** `'offset'` for presence; the engine then asks for every load (after each (re)subscribe). */
  mode?: 'seq' | 'offset';
  onJoin?: (ctx: JoinContext) => void;
  onLeave?: (ctx: LeaveContext) => void;
}

/**
 * "A resource loaded over HTTP, then live" (elk's paginator idea, for one resource): loading / error
 * state, the load that anchors the engine, reloads the engine asks for, retry, and the live merge. Every
 * screen of the layer is one of these with its own `fetch`, `accept` and `apply`.
 */
export function useLiveResource<R, E extends SequencedEvent>(options: LiveResourceOptions<R, E>) {
  const { errorText } = useMessageText();
  const status = ref<LoadStatus>('loading');
  const error = ref<string | null>(null);
  /** Bumped by every load: an answer that a later load overtook is not put in place. */
  let generation = 0;

  // Created after the watcher below: on a change of channel the resource is reset (and, in seq mode,
  // its load started) before the new stream exists, so a stream that asks for a load at once (offset
  // mode, a channel already subscribed) is never overtaken by the reset.
  let live: ReturnType<typeof useLiveStream<E>> | null = null;

  async function load(): Promise<void> {
    const name = toValue(options.channel);
    if (!name) return;
    const mine = ++generation;
    // Live events wait while the state is read; the anchor says which of them it already holds.
    live?.unanchor();
    // A reload of data already shown keeps showing it; only a first load (or a retry) shows "loading".
    if (status.value !== 'ready') status.value = 'loading';
    error.value = null;
    try {
      const answer = await options.fetch(name);
      if (mine !== generation || toValue(options.channel) !== name) return;
      const anchor = options.accept(answer, name);
      live?.anchor(anchor);
      status.value = 'ready';
    } catch (err) {
      if (mine !== generation) return;
      error.value = errorText(err);
      status.value = 'error';
    }
  }

  if (import.meta.client) {
    watch(
      () => toValue(options.channel),
      (name) => {
        generation++;
        options.reset?.();
        status.value = 'loading';
        error.value = null;
        // Offset mode loads when the engine asks (once subscribed); seq mode at once (catch-up covers the rest).
        if (name && options.mode !== 'offset') void load();
      },
      { immediate: true },
    );
  }

  live = useLiveStream<E>(options.channel, {
    mode: options.mode,
    onEvent: options.apply,
    reload: () => void load(),
    onJoin: options.onJoin,
    onLeave: options.onLeave,
  });

  return { status, error, load, state: live.state, isSubscribed: live.isSubscribed };
}
