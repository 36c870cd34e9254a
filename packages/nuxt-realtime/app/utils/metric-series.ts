// Plain TypeScript (no Vue): the bounded time series behind the dashboard charts, and their cache.

/** One sample of `metrics_update` as the charts keep it. */
export interface MetricSample {
  /** Unix time in seconds (uPlot's x unit). */
  t: number;
  cpu: number;
  memory: number;
  disk: number;
  /** Bytes per second. */
  networkIn: number;
  /** Bytes per second. */
  networkOut: number;
  /** Seconds. */
  uptime: number;
  activeInstances?: number;
}

/** Points kept per series: 10 min at the default 5 s interval. */
export const DEFAULT_WINDOW = 120;

/**
 * A bounded, time-ordered series of samples. Appends are O(1) amortised; a sample older than the last
 * one (a late catch-up) is inserted in place, and one at an existing time is dropped (a double).
 */
export class MetricSeries {
  readonly samples: MetricSample[] = [];
  /** Bumped on every change, so a reactive wrapper can re-render without deep watching. */
  version = 0;

  constructor(readonly window: number = DEFAULT_WINDOW) {}

  push(sample: MetricSample): boolean {
    const last = this.samples[this.samples.length - 1];
    if (!last || sample.t > last.t) this.samples.push(sample);
    else {
      if (this.samples.some((s) => s.t === sample.t)) return false;
      const at = this.samples.findIndex((s) => s.t > sample.t);
      this.samples.splice(at, 0, sample);
    }
    if (this.samples.length > this.window) this.samples.splice(0, this.samples.length - this.window);
    this.version++;
    return true;
  }

  get latest(): MetricSample | null {
    return this.samples[this.samples.length - 1] ?? null;
  }

  /** Columns for uPlot: `[x, ...one array per field]`. */
  columns(fields: readonly (keyof Omit<MetricSample, 't'>)[]): number[][] {
    return [this.samples.map((s) => s.t), ...fields.map((f) => this.samples.map((s) => s[f] ?? 0))];
  }
}

/** The figures of one `metrics_update` event, stamped with the event's time. */
export function sampleOf(data: Omit<MetricSample, 't'>, timestamp: string): MetricSample {
  const ms = Date.parse(timestamp);
  return {
    t: (Number.isNaN(ms) ? Date.now() : ms) / 1000,
    cpu: data.cpu,
    memory: data.memory,
    disk: data.disk,
    networkIn: data.networkIn,
    networkOut: data.networkOut,
    uptime: data.uptime,
    ...(data.activeInstances !== undefined ? { activeInstances: data.activeInstances } : {}),
  };
}

/** Colour level of a percentage: green under 70, amber under 90, red from 90. */
export type MetricLevel = 'ok' | 'warn' | 'critical';
export function levelOf(percent: number): MetricLevel {
  if (percent < 70) return 'ok';
  if (percent < 90) return 'warn';
  return 'critical';
}

/** Bytes per second as "1.2 MB/s" in the given locale (binary multiples, as network tools show them). */
export function formatRate(bytesPerSecond: number, locale: string): string {
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toLocaleString(locale, { maximumFractionDigits: value < 10 ? 1 : 0 })} ${units[unit]}`;
}

/** Seconds as "3 d 4 h" / "5 h 12 min" / "42 s". */
export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${Math.floor(seconds)} s`;
}
