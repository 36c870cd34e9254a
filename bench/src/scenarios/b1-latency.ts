import { startBenchSystem } from '../lib/bench-system';
import { metricsEvent } from '../lib/deliveries';
import { pace, waitUntil } from '../lib/pacer';
import { CpuMeter, LatencyRecorder, round } from '../lib/stats';
import { connectSubscribers, freshTracker, ProcCpuMeter, rawCentrifugoSender, profiledEnv, warmUpService, type ScenarioContext, type WarmUp } from './common';

export interface B1Entry {
  rate: number;
  p50_ms: number;
  p99_ms: number;
  raw_p50_ms: number;
  raw_p99_ms: number;
}

export interface B1Detail extends B1Entry {
  subscribers: number;
  seconds: number;
  p95_ms: number;
  raw_p95_ms: number;
  /** Time until our ingest answered 202 (stored), p50 and p99, ms: the part of the latency before the relay. */
  ingest_ack_p50_ms: number;
  ingest_ack_p99_ms: number;
  /**
   * The 202's p50 and p99 at the same rate into a channel no one subscribes to, ms: the ingest path
   * without the fan-out's load on the machine (Centrifugo's pushes and the subscribers' reads).
   */
  ingest_ack_alone_p50_ms: number;
  ingest_ack_alone_p99_ms: number;
  delivered_ratio: number;
  raw_delivered_ratio: number;
  /** Subscribers whose connection had closed by the end of the phase (their close codes go to the log). */
  subscribers_lost: number;
  raw_subscribers_lost: number;
  load_generator_cpu_pct: number;
  service_cpu_pct: number;
  centrifugo_cpu_pct: number;
  /** The service's warm-up before the measurement (see warmUpService). */
  warm_up: WarmUp;
}

const SUBSCRIBERS = 100;

/**
 * B1: ingest → WebSocket delivery latency at 100 and 500 events/s into one tenant channel with 100
 * subscribers (Postgres, the production database), then the same load published straight to
 * Centrifugo's HTTP API, in the same run against the same Centrifugo and subscribers.
 */
export async function runB1(ctx: ScenarioContext): Promise<B1Detail[]> {
  const seconds = ctx.quick ? 4 : 15;
  const sys = await startBenchSystem({ centrifugoBin: ctx.centrifugoBin, database: 'postgres', env: profiledEnv(ctx, 'b1') });
  const clients = await connectSubscribers(sys, SUBSCRIBERS).catch(async (err) => {
    await sys.stop();
    throw err;
  });
  let acks = new LatencyRecorder();
  const ingestInto = (tenantId: string) => async () => {
    const t0 = performance.now();
    const status = await sys.ingest(metricsEvent(tenantId, t0));
    if (status !== 202) throw new Error(`ingest ${status}`);
    acks.add(performance.now() - t0);
  };
  const ingest = ingestInto('acme');
  const raw = rawCentrifugoSender(sys);
  const results: B1Detail[] = [];
  try {
    // Warm-up: the service to its steady state (JIT) on another tenant's channel, then both paths as measured.
    const warmUp = await warmUpService(sys);
    ctx.log(`  B1 warm-up: ${warmUp.batches} batches and ${warmUp.requests} single events in ${warmUp.seconds} s; service CPU per request ${warmUp.first_cpu_us_per_request} → ${warmUp.last_cpu_us_per_request} µs`);
    await pace(100, 1500, ingest);
    await pace(100, 500, raw);
    for (const rate of [100, 500]) {
      const phase = async (send: () => Promise<void>) => {
        const tracker = freshTracker(clients);
        const cpu = new CpuMeter();
        const procs = new ProcCpuMeter({ service: sys.servicePid, centrifugo: sys.centrifugoPid });
        const { sent, failed } = await pace(rate, seconds * 1000, send);
        const expected = (sent - failed) * SUBSCRIBERS;
        await waitUntil(() => tracker.delivered >= expected, 10_000);
        const closed = clients.filter((c) => c.closedWith !== null);
        if (closed.length > 0) ctx.log(`  subscribers closed, by code: ${closed.map((c) => c.closedWith).join(', ')}`);
        return { summary: tracker.latency.summary(), ratio: expected ? tracker.delivered / expected : 0, lost: closed.length, cpu: cpu.percent(), procs: procs.percent() };
      };
      acks = new LatencyRecorder();
      await pace(rate, seconds * 1000, ingestInto('globex'));
      const alone = acks.summary();
      acks = new LatencyRecorder();
      const ours = await phase(ingest);
      const ack = acks.summary();
      const direct = await phase(raw);
      ctx.log(`  B1 ${rate}/s: ours p50 ${round(ours.summary.p50)} p99 ${round(ours.summary.p99)} ms (202 after p50 ${round(ack.p50)} p99 ${round(ack.p99)} ms; without the fan-out p50 ${round(alone.p50)} p99 ${round(alone.p99)} ms); raw p50 ${round(direct.summary.p50)} p99 ${round(direct.summary.p99)} ms; delivered ${round(ours.ratio)} / ${round(direct.ratio)}, subscribers lost ${ours.lost} / ${direct.lost}`);
      results.push({
        rate,
        p50_ms: round(ours.summary.p50),
        p99_ms: round(ours.summary.p99),
        raw_p50_ms: round(direct.summary.p50),
        raw_p99_ms: round(direct.summary.p99),
        subscribers: SUBSCRIBERS,
        seconds,
        p95_ms: round(ours.summary.p95),
        raw_p95_ms: round(direct.summary.p95),
        ingest_ack_p50_ms: round(ack.p50),
        ingest_ack_p99_ms: round(ack.p99),
        ingest_ack_alone_p50_ms: round(alone.p50),
        ingest_ack_alone_p99_ms: round(alone.p99),
        delivered_ratio: round(ours.ratio),
        raw_delivered_ratio: round(direct.ratio),
        subscribers_lost: ours.lost,
        raw_subscribers_lost: direct.lost,
        load_generator_cpu_pct: round(ours.cpu),
        service_cpu_pct: round(ours.procs.service!),
        centrifugo_cpu_pct: round(ours.procs.centrifugo!),
        warm_up: warmUp,
      });
    }
  } finally {
    clients.forEach((c) => c.close());
    await sys.stop();
  }
  return results;
}
