import type { ShallowRef } from 'vue';
import type { ChannelEventMap, HistoryPage } from '@neo/contracts';

/** What `metrics:{tenantId}` and `admin:metrics` carry. */
type MetricPublication = ChannelEventMap['metrics'] | ChannelEventMap['admin:metrics'];
import { DEFAULT_WINDOW, MetricSeries, sampleOf, type MetricSample } from '../utils/metric-series';

/** Samples of one channel, per instance (`''` = the platform host), kept across page visits. */
export interface MetricCacheEntry {
  series: Map<string, MetricSeries>;
  /** Sequence of the last event applied; the live stream resumes after it. */
  lastSeq: number | null;
  /** When the entry last received anything (ms), to tell a resumable cache from a stale one. */
  touchedAt: number;
  /** Bumped on every change: components read it to re-render. */
  tick: ShallowRef<number>;
}

// Module level on purpose: leaving a dashboard and coming back shows the same picture at once, and the
// stream resumes from `lastSeq` (the gap is read from the history API), instead of starting empty.
const cache = new Map<string, MetricCacheEntry>();

/** A cache older than this is reloaded from history rather than caught up event by event (ms). */
const RESUME_WITHIN_MS = 10 * 60_000;
/** Events read from history on a first paint: the window of a few instances. */
const HISTORY_LIMIT = 200;

function entryFor(channel: string): MetricCacheEntry {
  let entry = cache.get(channel);
  if (!entry) {
    entry = { series: new Map(), lastSeq: null, touchedAt: 0, tick: shallowRef(0) };
    cache.set(channel, entry);
  }
  return entry;
}

function seriesOf(entry: MetricCacheEntry, key: string): MetricSeries {
  let series = entry.series.get(key);
  if (!series) {
    series = new MetricSeries(DEFAULT_WINDOW);
    entry.series.set(key, series);
  }
  return series;
}

function applyEvent(entry: MetricCacheEntry, event: MetricPublication | HistoryPage['items'][number]): void {
  if (typeof event.seq === 'number') entry.lastSeq = Math.max(entry.lastSeq ?? 0, event.seq);
  if (event.type !== 'metrics_update') return;
  const data = event.data;
  seriesOf(entry, data.instanceId ?? '').push(sampleOf(data, event.timestamp));
  entry.touchedAt = Date.now();
}

/**
 * The metrics of one channel as bounded time series: filled from `GET /v1/history` on the first paint
 * (charts are never empty), then kept live from the stream position without gap or double.
 */
export function useMetricStream(channel: MaybeRefOrGetter<string>) {
  const { apiFetch } = useAuth();
  const entry = shallowRef<MetricCacheEntry | null>(null);

  /** null: the cache is recent, the stream resumes from it without a read. */
  type Answer = HistoryPage | null;
  const resource = useLiveResource<Answer, MetricPublication>({
    channel,
    fetch: async (name) => {
      const current = entryFor(name);
      entry.value = current;
      if (current.lastSeq !== null && Date.now() - current.touchedAt < RESUME_WITHIN_MS) return null;
      const query = new URLSearchParams({ channel: name, limit: String(HISTORY_LIMIT) });
      return apiFetch<HistoryPage>(`/v1/history?${query}`);
    },
    accept: (page, name) => {
      const current = entryFor(name);
      entry.value = current;
      if (!page) return { streamSeq: current.lastSeq ?? 0 };
      current.series.clear();
      current.lastSeq = null;
      const oldestFirst = [...page.items].reverse();
      for (const event of oldestFirst) applyEvent(current, event);
      current.touchedAt = Date.now();
      current.tick.value++;
      // Stored but not yet numbered events come again live with a higher `seq`: skipped by id.
      return { streamSeq: current.lastSeq ?? 0, pendingEventIds: oldestFirst.filter((e) => typeof e.seq !== 'number').map((e) => e.id) };
    },
    apply: (event) => {
      if (!entry.value) return;
      applyEvent(entry.value, event);
      entry.value.tick.value++;
    },
  });

  /** The series of one instance (`''` = the host); re-evaluated on every change. */
  function series(key = ''): MetricSeries | null {
    void entry.value?.tick.value;
    return entry.value?.series.get(key) ?? null;
  }

  /** Instance ids with samples, sorted. */
  const keys = computed(() => {
    void entry.value?.tick.value;
    return [...(entry.value?.series.keys() ?? [])].sort();
  });

  /** Adds a sample known from elsewhere (a read model's latest figures) when the series lacks it. */
  function seed(key: string, sample: MetricSample): void {
    if (!entry.value) return;
    if (seriesOf(entry.value, key).push(sample)) entry.value.tick.value++;
  }

  /** Changes whenever any series of the channel changes (series objects themselves are mutated in place). */
  const tick = computed(() => entry.value?.tick.value ?? 0);

  return { status: resource.status, error: resource.error, load: resource.load, series, keys, seed, tick, state: resource.state };
}
