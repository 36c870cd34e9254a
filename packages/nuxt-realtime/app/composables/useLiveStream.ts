import { LiveStream, historyCatchUp, type LiveAnchor, type SequencedEvent } from '@neo/realtime-client';
import type { JoinContext, LeaveContext } from 'centrifuge';

export interface LiveStreamOptions<E> {
  /** `'seq'` (default): a durable channel, holes read from `GET /v1/history?afterSeq=`. `'offset'`: presence. */
  mode?: 'seq' | 'offset';
  /** Each event once, in order, after the anchored state. */
  onEvent: (event: E) => void;
  /** Loads the state again (then anchors): an inexact anchor (seq), every (re)subscribe or a hole (offset). */
  reload?: () => void;
  onJoin?: (ctx: JoinContext) => void;
  onLeave?: (ctx: LeaveContext) => void;
}

/**
 * The engine (`@neo/realtime-client`'s LiveStream) on `channel` for as long as the calling scope lives:
 * a thin adapter that gives it the tab's shared subscriptions and the service's history, and exposes
 * the subscription's state as a ref. An empty channel name means "nothing to subscribe to"; when the
 * name changes, the old stream stops and a new one starts (it waits for its `anchor`).
 */
export function useLiveStream<E extends SequencedEvent>(channel: MaybeRefOrGetter<string>, options: LiveStreamOptions<E>) {
  const realtime = useRealtimeClient();
  const { apiFetch } = useAuth();
  const state = shallowRef<ChannelState>('unsubscribed');
  let stream: LiveStream<E> | null = null;

  function detach(): void {
    stream?.stop();
    stream = null;
    state.value = 'unsubscribed';
  }

  function attach(name: string): void {
    const common = { source: realtime, channel: name, onJoin: options.onJoin, onLeave: options.onLeave, onState: (s: ChannelState) => (state.value = s) };
    const reload = () => options.reload?.();
    stream =
      options.mode === 'offset'
        ? new LiveStream<E>({ ...common, mode: 'offset', onEvent: (e) => options.onEvent(e), reload })
        : new LiveStream<E>({
            ...common,
            fetchAfter: historyCatchUp((path, init) => apiFetch(path, init), name) as (afterSeq: number, limit: number, signal: AbortSignal) => Promise<E[]>,
            onEvent: options.onEvent,
            reload,
          });
    stream.start();
    state.value = stream.state;
  }

  useChannelLifecycle(channel, attach, detach);

  const isSubscribed = computed(() => state.value === 'subscribed');
  return {
    state: readonly(state),
    isSubscribed,
    /** Where freshly loaded state of the current channel stands. */
    anchor: (at: LiveAnchor) => stream?.anchor(at),
    /** The state is being loaded again: hold live events until the next anchor. */
    unanchor: () => stream?.unanchor(),
    /** The channel the stream runs on now ('' when none). */
    channel: () => stream?.channel ?? '',
  };
}
