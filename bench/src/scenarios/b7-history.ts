import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { HISTORY_SPAN_DAYS, HISTORY_WORDS, historyDataStatements } from '../../../scripts/lib/history-data.mjs';
import { startBenchSystem, type BenchSystem } from '../lib/bench-system';
import { metricsEvent } from '../lib/deliveries';
import { getJson } from '../lib/http';
import { pace } from '../lib/pacer';
import { LatencyRecorder, median, quantile, round } from '../lib/stats';
import type { ScenarioContext } from './common';

/** The figures of one size on PostgreSQL, medians in ms (the keys latest.json gives). */
export interface B7Row {
  events: number;
  page_ms: number;
  search_rare_ms: number;
  search_common_ms: number;
  range_ms: number;
  catchup_ms: number;
  notifications_ms: number;
  deployments_ms: number;
}

/** Everything measured for one database and size. */
export interface B7Detail extends B7Row {
  database: 'postgres' | 'pglite';
  /** p99 of each request (nearest rank over SAMPLES), ms. */
  p99_ms: Record<string, number>;
  /** Requests beyond the issue's table: a word in 1 invoice of 200, a 2-hour range a day after the first event, the unread page. */
  extra_ms: { search_medium: number; range_old: number; notifications_unread: number };
  extra_p99_ms: { search_medium: number; range_old: number; notifications_unread: number };
  /** Seconds to write the data (SQL, see scripts/lib/history-data.mjs). */
  load_s: number;
  retention: RetentionPhase;
}

/** Ingest before retention starts and while it deletes a backlog of expired events. */
export interface RetentionPhase {
  expired: number;
  /** From the first deletion seen to the last (polled every 250 ms). */
  seconds: number;
  deleted_per_s: number;
  batches: number;
  /** Time inside delete statements; the rest of `seconds` is the pauses between them. */
  busy_s: number;
  batch_p99_ms: number | null;
  before: IngestLatency;
  during: IngestLatency;
}

export interface IngestLatency {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  count: number;
}

const SAMPLES = 100;
const WARMUP = 5;
/** Single events per second sent while retention runs (and after, for comparison). */
const PROBE_RATE = 50;
/** The service's first retention run comes this long after it starts (RETENTION_INTERVAL_MS). */
const RETENTION_AFTER_MS = 15_000;

/** The requests of the table, by key. */
function requests(n: number): Record<string, string> {
  const h = (query: string) => `/v1/history?channel=billing:acme&limit=50${query}`;
  const day1 = Date.now() - (HISTORY_SPAN_DAYS - 1) * 86_400_000;
  return {
    page_ms: h(''),
    search_rare_ms: h(`&q=${HISTORY_WORDS.rare}`),
    search_common_ms: h(`&q=${HISTORY_WORDS.common}`),
    range_ms: h('&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z'),
    catchup_ms: `/v1/history?channel=billing:acme&limit=50&afterSeq=${Math.floor(n / 2)}`,
    notifications_ms: '/v1/tenants/acme/notifications',
    deployments_ms: '/v1/tenants/acme/deployments',
    search_medium: h(`&q=${HISTORY_WORDS.medium}`),
    range_old: h(`&from=${new Date(day1).toISOString()}&to=${new Date(day1 + 2 * 3_600_000).toISOString()}`),
    notifications_unread: '/v1/tenants/acme/notifications?unread=true',
  };
}

/** Writes the data: straight to Postgres, or into PGlite's folder while the service is stopped. */
async function load(sys: BenchSystem, statements: string[]): Promise<void> {
  if (sys.databaseUrl) {
    const client = new pg.Client({ connectionString: sys.databaseUrl });
    await client.connect();
    try {
      for (const s of statements) await client.query(s);
      // What autovacuum does on a production server soon after a load (the local one runs without it).
      await client.query('vacuum analyze');
    } finally {
      await client.end();
    }
    return;
  }
  const client = await PGlite.create(sys.pgliteDir);
  try {
    for (const s of statements) await client.exec(s);
  } finally {
    await client.close();
  }
}

interface RetentionMetrics {
  deleted: number;
  batches: number;
  busySeconds: number;
  /** Batch-duration histogram: upper bound (s) → batches at or under it. */
  buckets: Array<[number, number]>;
}

async function retentionMetrics(sys: BenchSystem): Promise<RetentionMetrics> {
  const text = String((await getJson<string>(`${sys.serviceUrl}/metrics`)).body);
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0);
  const buckets = [...text.matchAll(/^neo_retention_batch_duration_seconds_bucket\{le="([^"]+)"\} (\S+)/gm)].map((m) => [m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])] as [number, number]);
  return { deleted: value('neo_retention_deleted_events_total'), batches: value('neo_retention_batch_duration_seconds_count'), busySeconds: value('neo_retention_batch_duration_seconds_sum'), buckets };
}

/** The histogram bucket bound under which 99 % of the batches took, ms. */
function bucketP99(m: RetentionMetrics): number | null {
  const bound = m.buckets.find(([, count]) => count >= 0.99 * m.batches)?.[0];
  return bound === undefined || !Number.isFinite(bound) ? null : bound * 1000;
}

/** Posts single metrics events at PROBE_RATE until `until` resolves (or for `ms`); latency of each 202. */
async function probeIngest(sys: BenchSystem, stop: { until?: () => Promise<boolean>; ms?: number }): Promise<IngestLatency> {
  const recorder = new LatencyRecorder();
  let done = false;
  const watcher = (async () => {
    if (stop.ms !== undefined) await new Promise((r) => setTimeout(r, stop.ms));
    else while (!(await stop.until!())) await new Promise((r) => setTimeout(r, 250));
    done = true;
  })();
  while (!done) {
    await pace(PROBE_RATE, 250, async () => {
      const t0 = performance.now();
      const status = await sys.ingest(metricsEvent('probe'));
      if (status === 202) recorder.add(performance.now() - t0);
    });
  }
  await watcher;
  const s = recorder.summary();
  return { p50_ms: round(s.p50), p99_ms: round(s.p99), max_ms: round(s.max), count: s.count };
}

async function measureReads(sys: BenchSystem, n: number): Promise<{ medians: Record<string, number>; p99: Record<string, number> }> {
  const token = await sys.login();
  const headers = { authorization: `Bearer ${token}` };
  const medians: Record<string, number> = {};
  const p99: Record<string, number> = {};
  for (const [key, path] of Object.entries(requests(n))) {
    const times: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const t0 = performance.now();
      const res = await getJson(`${sys.serviceUrl}${path}`, headers);
      if (res.status !== 200) throw new Error(`B7 ${key}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      if (i >= WARMUP) times.push(performance.now() - t0);
    }
    medians[key] = round(median(times));
    p99[key] = round(quantile([...times].sort((a, b) => a - b), 0.99));
  }
  return { medians, p99 };
}

async function runOne(ctx: ScenarioContext, database: 'postgres' | 'pglite', n: number): Promise<B7Detail> {
  const expired = Math.max(1000, Math.floor(n / 2));
  const sys = await startBenchSystem({ centrifugoBin: ctx.centrifugoBin, database, env: { RETENTION_INTERVAL_MS: String(RETENTION_AFTER_MS) } });
  try {
    const statements = historyDataStatements({ events: n, expired }) as string[];
    let loadSeconds = 0;
    // The service migrates the database, then stops while the data is written, and starts again on it.
    await sys.restartService(async () => {
      const t0 = performance.now();
      await load(sys, statements);
      loadSeconds = (performance.now() - t0) / 1000;
    });
    await probeIngest(sys, { ms: 2_000 }); // warm-up
    const before = await probeIngest(sys, { until: async () => (await retentionMetrics(sys)).deleted > 0 });
    const t0 = performance.now();
    const during = await probeIngest(sys, { until: async () => (await retentionMetrics(sys)).deleted >= expired || performance.now() - t0 > 600_000 });
    const seconds = (performance.now() - t0) / 1000;
    const m = await retentionMetrics(sys);
    const retention: RetentionPhase = {
      expired,
      seconds: round(seconds),
      deleted_per_s: round(m.deleted / seconds),
      batches: m.batches,
      busy_s: round(m.busySeconds),
      batch_p99_ms: bucketP99(m),
      before,
      during,
    };
    ctx.log(`  B7 ${database} ${n.toLocaleString('en-US')}: loaded in ${loadSeconds.toFixed(1)} s; ${m.deleted} expired deleted in ${seconds.toFixed(1)} s (${m.batches} batches, ${m.busySeconds.toFixed(1)} s in them); ingest p99 ${before.p99_ms} ms before, ${during.p99_ms} ms during`);
    const { medians, p99 } = await measureReads(sys, n);
    const row: B7Detail = {
      database,
      events: n,
      page_ms: medians.page_ms!,
      search_rare_ms: medians.search_rare_ms!,
      search_common_ms: medians.search_common_ms!,
      range_ms: medians.range_ms!,
      catchup_ms: medians.catchup_ms!,
      notifications_ms: medians.notifications_ms!,
      deployments_ms: medians.deployments_ms!,
      p99_ms: Object.fromEntries(Object.entries(p99).filter(([k]) => k.endsWith('_ms'))),
      extra_ms: { search_medium: medians.search_medium!, range_old: medians.range_old!, notifications_unread: medians.notifications_unread! },
      extra_p99_ms: { search_medium: p99.search_medium!, range_old: p99.range_old!, notifications_unread: p99.notifications_unread! },
      load_s: round(loadSeconds),
      retention,
    };
    ctx.log(`  B7 ${database} ${n.toLocaleString('en-US')}: ${Object.entries(medians).map(([k, v]) => `${k.replace(/_ms$/, '')} ${v}`).join(', ')} (ms, medians)`);
    return row;
  } finally {
    await sys.stop();
  }
}

/**
 * B7: the history and read routes at scale, through the HTTP API: one tenant's billing channel with
 * 2,000 to 1,000,000 invoices (and one event of another channel after every ten), each request
 * timed SAMPLES times after a warm-up, one at a time. Before that, single events are ingested at
 * PROBE_RATE and timed, first alone, then while retention deletes a backlog of half as many expired
 * events as the channel holds (its first run, RETENTION_AFTER_MS after the service starts).
 */
export async function runB7(ctx: ScenarioContext): Promise<B7Detail[]> {
  const sizes = { postgres: ctx.quick ? [2_000, 200_000] : [2_000, 200_000, 1_000_000], pglite: [2_000, 200_000] };
  const details: B7Detail[] = [];
  for (const database of ['postgres', 'pglite'] as const) {
    for (const n of sizes[database]) details.push(await runOne(ctx, database, n));
  }
  return details;
}
