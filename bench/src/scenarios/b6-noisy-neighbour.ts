import { startBenchSystem, type BenchSystem } from '../lib/bench-system';
import { metricsEvent } from '../lib/deliveries';
import { RawCentrifugoClient } from '../lib/centrifugo-ws';
import { getStatus, postJson, expectStatus } from '../lib/http';
import { mapLimit, pace, waitUntil } from '../lib/pacer';
import { CpuMeter, round } from '../lib/stats';
import { freshTracker, ProcCpuMeter, type ScenarioContext } from './common';

/** One phase of B6 on one database: the victim's delivery latency and what every request was answered. */
export interface B6Phase {
  database: 'postgres' | 'pglite';
  phase: 'quiet' | 'read_flood' | 'ingest_flood';
  seconds: number;
  victim_p50_ms: number;
  victim_p99_ms: number;
  victim_delivered_ratio: number;
  /** The victim's own reads, by HTTP status. */
  victim_reads: Record<string, number>;
  /** The flooding tenant's requests, by HTTP status. */
  flood: Record<string, number>;
  flood_rps: number;
  /**
   * CPU over the phase, percent of one core (the machine has two): the event service, Centrifugo, the
   * local PostgreSQL server (Postgres runs only) and this load generator, which plays both tenants.
   */
  cpu_pct: Record<string, number>;
}

/** `bench/results/latest.json` `b6` (PostgreSQL). */
export interface B6Result {
  quiet_p99_ms: number;
  read_flood_p99_ms: number;
  ingest_flood_p99_ms: number;
  flood_429_ratio: number;
}

const VICTIM = 'globex';
const VICTIM_CHANNEL = `metrics:${VICTIM}`;
const VICTIM_SUBSCRIBERS = 10;
const VICTIM_RATE = 20; // events/s, steady
const READ_LOOPS = 32;
const INGEST_LOOPS = 8;

/**
 * B6, the noisy neighbour: one tenant (acme) misbehaves as hard as it can — its member floods the read
 * routes (history catch-up and search, presence) from 32 loops, or its producer floods ingest from 8
 * loops of 100-event batches, none of them paced — while another tenant's (globex) subscribers receive a
 * steady 20 events/s and its member reads now and then. Measured: globex's delivery latency quiet and
 * under each flood, and how the flood was answered. The service runs with its DEFAULT limits (the other
 * scenarios lift them).
 */
export async function runB6(ctx: ScenarioContext): Promise<{ phases: B6Phase[]; result: B6Result | null }> {
  const seconds = ctx.quick ? 8 : 20;
  const phases: B6Phase[] = [];
  for (const database of ['postgres', 'pglite'] as const) {
    const sys = await startBenchSystem({ centrifugoBin: ctx.centrifugoBin, database, env: DEFAULT_LIMITS });
    try {
      phases.push(...(await runOn(sys, database, seconds, ctx)));
    } finally {
      await sys.stop();
    }
  }
  const pg = (phase: B6Phase['phase']) => phases.find((p) => p.database === 'postgres' && p.phase === phase);
  const floods = phases.filter((p) => p.database === 'postgres' && p.phase !== 'quiet');
  const total = floods.reduce((n, p) => n + Object.values(p.flood).reduce((a, b) => a + b, 0), 0);
  const refused = floods.reduce((n, p) => n + (p.flood['429'] ?? 0), 0);
  const result = pg('quiet') && pg('read_flood') && pg('ingest_flood')
    ? { quiet_p99_ms: pg('quiet')!.victim_p99_ms, read_flood_p99_ms: pg('read_flood')!.victim_p99_ms, ingest_flood_p99_ms: pg('ingest_flood')!.victim_p99_ms, flood_429_ratio: round(total ? refused / total : 0) }
    : null;
  return { phases, result };
}

/** Empty values: the service's own defaults for every limit BENCH_SERVICE_ENV lifts. */
const DEFAULT_LIMITS = {
  RATE_LIMIT_TOKENS_PER_MINUTE: '',
  RATE_LIMIT_INGEST_PER_SECOND: '',
  RATE_LIMIT_USER_PER_SECOND: '',
  RATE_LIMIT_TENANT_PER_SECOND: '',
  RATE_LIMIT_TENANT_CONNECTIONS: '',
  RATE_LIMIT_INGEST_EVENTS_PER_KEY: '',
  RATE_LIMIT_INGEST_EVENTS_PER_TENANT: '',
  INGEST_QUEUE_MAX_EVENTS: '',
};

async function runOn(sys: BenchSystem, database: B6Phase['database'], seconds: number, ctx: ScenarioContext): Promise<B6Phase[]> {
  // The victim's subscribers and reader.
  const sofia = await sys.login('sofia@globex.test');
  const [conn, sub] = await Promise.all([sys.connectionToken(sofia), sys.subscriptionToken(sofia, VICTIM_CHANNEL)]);
  const subscribers = await mapLimit(Array.from({ length: VICTIM_SUBSCRIBERS }), 10, () => RawCentrifugoClient.connect(sys.centrifugoWs, conn, [{ channel: VICTIM_CHANNEL, token: sub }]));
  // The flooding tenant: a member, and a producer with a key of its own (scoped to acme).
  const ana = await sys.login('ana@acme.test');
  const admin = await sys.login('admin@neo.test');
  const floodKey = expectStatus(
    await postJson<{ key: string }>(`${sys.serviceUrl}/v1/admin/ingest-keys`, { name: 'flood-acme', eventTypes: ['metrics_update'], tenants: ['acme'] }, { authorization: `Bearer ${admin}` }),
    201,
    'flood key',
  ).key;
  const reads = ['/v1/history?channel=billing:acme&afterSeq=0&limit=200', '/v1/history?channel=billing:acme&q=factura', '/v1/tenants/acme/presence', '/v1/history?channel=metrics:acme&afterSeq=0&limit=200'];
  const victimReads = ['/v1/tenants/globex/deployments', '/v1/tenants/globex/notifications', '/v1/history?channel=billing:globex'];
  const results: B6Phase[] = [];
  try {
    // Something for the flood's searches and catch-ups to read (one batch: the tenant's events/s budget).
    const invoices = Array.from({ length: 500 }, (_, i) => ({ type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: `F-${i}`, amount: 100 + i, currency: 'MXN', message: `factura ${i}` } }));
    expectStatus(await postJson(`${sys.serviceUrl}/v1/events`, { events: invoices }, { authorization: `Bearer ${sys.ingestKey}` }), 202, 'seed invoices');
    // Warm-up: JIT, pools, keep-alive sockets.
    await pace(VICTIM_RATE, 1500, async () => void (await sys.ingest(metricsEvent(VICTIM))));
    for (const phase of ['quiet', 'read_flood', 'ingest_flood'] as const) {
      const tracker = freshTracker(subscribers);
      const floodCounts = new Map<number, number>();
      const victimCounts = new Map<number, number>();
      const count = (m: Map<number, number>, s: number) => m.set(s, (m.get(s) ?? 0) + 1);
      const until = performance.now() + seconds * 1000;
      const cpu = new CpuMeter();
      const procs = new ProcCpuMeter({ service: sys.servicePid, centrifugo: sys.centrifugoPid, ...(database === 'postgres' ? { postgres: 'postgres' as const } : {}) });
      const flood: Array<Promise<void>> = [];
      if (phase === 'read_flood') {
        for (let i = 0; i < READ_LOOPS; i++) {
          flood.push((async () => {
            for (let n = i; performance.now() < until; n++) count(floodCounts, await getStatus(`${sys.serviceUrl}${reads[n % reads.length]}`, { authorization: `Bearer ${ana}` }).catch(() => 0));
          })());
        }
      } else if (phase === 'ingest_flood') {
        for (let i = 0; i < INGEST_LOOPS; i++) {
          flood.push((async () => {
            while (performance.now() < until) {
              const batch = Array.from({ length: 100 }, () => metricsEvent('acme'));
              count(floodCounts, (await postJson(`${sys.serviceUrl}/v1/events`, { events: batch }, { authorization: `Bearer ${floodKey}` }).catch(() => ({ status: 0 }))).status);
            }
          })());
        }
      }
      const reader = (async () => {
        for (let n = 0; performance.now() < until; n++) {
          count(victimCounts, await getStatus(`${sys.serviceUrl}${victimReads[n % victimReads.length]}`, { authorization: `Bearer ${sofia}` }).catch(() => 0));
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      const { sent, failed } = await pace(VICTIM_RATE, seconds * 1000, async () => {
        const status = await sys.ingest(metricsEvent(VICTIM));
        if (status !== 202) throw new Error(`victim ingest ${status}`);
      });
      await Promise.all([...flood, reader]);
      const cpuPct = Object.fromEntries(Object.entries({ ...procs.percent(), load_generator: cpu.percent() }).map(([k, v]) => [k, round(v)]));
      const expected = (sent - failed) * VICTIM_SUBSCRIBERS;
      await waitUntil(() => tracker.delivered >= expected, 15_000);
      const latency = tracker.latency.summary();
      const floodTotal = [...floodCounts.values()].reduce((a, b) => a + b, 0);
      const entry: B6Phase = {
        database,
        phase,
        seconds,
        victim_p50_ms: round(latency.p50),
        victim_p99_ms: round(latency.p99),
        victim_delivered_ratio: round(expected ? tracker.delivered / expected : 0),
        victim_reads: Object.fromEntries([...victimCounts].map(([s, n]) => [String(s), n])),
        flood: Object.fromEntries([...floodCounts].map(([s, n]) => [String(s), n])),
        flood_rps: round(floodTotal / seconds),
        cpu_pct: cpuPct,
      };
      ctx.log(`  B6 ${database} ${phase}: victim p50 ${entry.victim_p50_ms} p99 ${entry.victim_p99_ms} ms (delivered ${entry.victim_delivered_ratio}); victim reads ${JSON.stringify(entry.victim_reads)}; flood ${entry.flood_rps} req/s ${JSON.stringify(entry.flood)}; CPU % ${JSON.stringify(entry.cpu_pct)}`);
      results.push(entry);
    }
  } finally {
    subscribers.forEach((c) => c.close());
  }
  return results;
}
