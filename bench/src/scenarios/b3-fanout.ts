import { startBenchSystem } from '../lib/bench-system';
import { metricsEvent, type DeliveryTracker } from '../lib/deliveries';
import { mapLimit, pace, waitUntil } from '../lib/pacer';
import { readProcCpuSeconds } from '../lib/proc-stats';
import { startSocketIoBaseline } from '../lib/socketio-baseline';
import { RawSocketIoClient } from '../lib/socketio-ws';
import { CpuMeter, round } from '../lib/stats';
import { connectSubscribers, freshTracker, LOAD_CHANNEL, profiledEnv, rawCentrifugoSender, warmUpService, type ScenarioContext, type WarmUp } from './common';

/** `latest.json` `b3[]`: capacity at one subscriber count, ours beside Socket.IO. */
export interface B3Entry {
  subscribers: number;
  /** Highest deliveries/s sustained (delivered ≥ 95 % of the offer, p99 ≤ 1 s). */
  ours_dps: number;
  socketio_dps: number;
  /** p99 at the highest offered rate BOTH sustained, ms. */
  ours_p99_ms: number;
  socketio_p99_ms: number;
  /** Deliveries per second of server CPU at each one's highest sustained rate (ours: event service + Centrifugo). */
  ours_dps_per_cpu: number;
  socketio_dps_per_cpu: number;
}

/** One step of the ladder for one system. */
export interface B3Step {
  offered_dps: number;
  events_per_second: number;
  delivered_dps: number;
  delivered_ratio: number;
  p50_ms: number;
  p99_ms: number;
  server_cpu_seconds: number;
  dps_per_cpu: number;
  load_generator_cpu_pct: number;
  sustained: boolean;
}

export interface B3Detail extends B3Entry {
  seconds_per_step: number;
  ours_steps: B3Step[];
  socketio_steps: B3Step[];
  /**
   * Raw Centrifugo (events published straight to its HTTP API, no event service) at the highest rate both
   * systems sustained, on ours' system and subscribers right after ours' ladder: the share of ours' p99
   * that is Centrifugo's own fan-out. Null when no rate was sustained by both.
   */
  raw_centrifugo_step: B3Step | null;
  /** The event service's warm-up before ours' ladder (see warmUpService). */
  warm_up: WarmUp;
  /** Requests sent to the Socket.IO server before its ladder (the same number of single events). */
  socketio_warm_up_requests: number;
}

/** The offered deliveries/s tried, in order; a system's ladder stops at its first step it does not sustain. */
const LADDER = [25_000, 50_000, 100_000, 150_000, 200_000, 300_000, 400_000];

async function step(
  clients: Array<{ tracker: DeliveryTracker | null }>,
  offered: number,
  seconds: number,
  send: () => Promise<void>,
  pids: number[],
): Promise<B3Step> {
  const rate = offered / clients.length;
  const tracker = freshTracker(clients);
  const cpu = new CpuMeter();
  const cpu0 = pids.reduce((s, pid) => s + readProcCpuSeconds(pid), 0);
  const t0 = performance.now();
  const { sent, failed } = await pace(rate, seconds * 1000, send);
  const expected = (sent - failed) * clients.length;
  await waitUntil(() => tracker.delivered >= expected, 10_000);
  const elapsed = ((tracker.lastAt || performance.now()) - t0) / 1000;
  const serverCpu = pids.reduce((s, pid) => s + readProcCpuSeconds(pid), 0) - cpu0;
  const summary = tracker.latency.summary();
  // What was offered in the time given, not what the pacer managed to send: a saturated sender is a miss.
  const ratio = tracker.delivered / (rate * seconds * clients.length);
  const p99 = summary.p99;
  return {
    offered_dps: offered,
    events_per_second: round(rate),
    delivered_dps: round(tracker.delivered / elapsed),
    delivered_ratio: round(ratio),
    p50_ms: round(summary.p50),
    p99_ms: round(p99),
    server_cpu_seconds: round(serverCpu),
    dps_per_cpu: round(serverCpu > 0 ? tracker.delivered / serverCpu : 0),
    load_generator_cpu_pct: round(cpu.percent()),
    sustained: ratio >= 0.95 && p99 <= 1000,
  };
}

/** The highest offered rate both ladders sustained, 0 if none. */
function bothSustained(ours: B3Step[], theirs: B3Step[]): number {
  return Math.max(0, ...ours.filter((s) => s.sustained).map((s) => s.offered_dps).filter((o) => theirs.some((t) => t.sustained && t.offered_dps === o)));
}

/** Single-event requests each server gets before its ladder (the event service also gets warmUpService's batches). */
const WARM_UP_REQUESTS = 20_000;

/** Climbs the ladder until a step is not sustained (that step is recorded too). */
async function climb(clients: Array<{ tracker: DeliveryTracker | null }>, seconds: number, send: () => Promise<void>, pids: number[], log: (s: B3Step) => void): Promise<B3Step[]> {
  await pace(Math.max(5, LADDER[0]! / clients.length / 4), 1000, send); // warm-up
  const steps: B3Step[] = [];
  for (const offered of LADDER) {
    const s = await step(clients, offered, seconds, send, pids);
    steps.push(s);
    log(s);
    if (!s.sustained) break;
    await new Promise((r) => setTimeout(r, 500)); // let queues drain between steps
  }
  return steps;
}

/**
 * B3: fan-out capacity of one channel to 1,000 and 5,000 subscribers. Each system climbs a ladder of
 * offered deliveries/s (events/s × subscribers) until it falls behind (delivered < 95 % of the offer, or
 * p99 > 1 s): ours (ingest → Postgres → fast path → Centrifugo) against a Socket.IO 4 server (rooms, one
 * process) fed the same events over HTTP. Reported per system: the highest sustained deliveries/s, the
 * deliveries per server CPU-second there, and the p99 at the highest rate both sustained; beside it, raw
 * Centrifugo's p99 at that rate (the same events published straight to its HTTP API). Both servers are
 * warmed first, as in B1 and B2: without it ours' p99 was that of an event service still running
 * unoptimised code (a probe, 2026-12-05, 1,000 subscribers at 50,000 deliveries/s for 6 s: ours' p99
 * over a fresh service's first 300 events 38–45 ms, over a warmed one's 22–31 ms; raw Centrifugo's 17–35).
 */
export async function runB3(ctx: ScenarioContext): Promise<B3Detail[]> {
  const seconds = ctx.quick ? 3 : 6;
  const results: B3Detail[] = [];
  for (const subscribers of [1000, 5000]) {
    // Socket.IO first, so that ours' system is still up when the rate both sustained is known (the raw
    // Centrifugo step below runs at it).
    const sio = await startSocketIoBaseline();
    let theirs: B3Step[];
    let sioWarmUp = 0;
    try {
      // The same single-event requests the event service is warmed with, into a room no one is in: both
      // servers run JIT-compiled request paths when measured (a fan-out loop is hot after a few events,
      // a per-request path only after thousands).
      await mapLimit(Array.from({ length: WARM_UP_REQUESTS }), 8, async () => {
        if ((await sio.publish('metrics:globex', metricsEvent('globex'))) === 202) sioWarmUp++;
      });
      const clients = await mapLimit(Array.from({ length: subscribers }), 100, () => RawSocketIoClient.connect(sio.url, LOAD_CHANNEL));
      const send = async () => {
        if ((await sio.publish(LOAD_CHANNEL, metricsEvent())) !== 202) throw new Error('publish refused');
      };
      theirs = await climb(clients, seconds, send, [sio.pid], (s) => ctx.log(`  B3 ${subscribers} socket.io @ ${s.offered_dps} dps: delivered ${s.delivered_dps} (${s.delivered_ratio}) p99 ${s.p99_ms} ms, ${s.dps_per_cpu} per CPU-s`));
      clients.forEach((c) => c.close());
    } finally {
      await sio.stop();
    }

    const sys = await startBenchSystem({ centrifugoBin: ctx.centrifugoBin, database: 'postgres', env: profiledEnv(ctx, `b3-${subscribers}`) });
    let ours: B3Step[];
    let both = 0;
    let raw: B3Step | null = null;
    let warmUp: WarmUp;
    try {
      warmUp = await warmUpService(sys, { requests: WARM_UP_REQUESTS });
      ctx.log(`  B3 ${subscribers} warm-up: ${warmUp.batches} batches and ${warmUp.requests} single events in ${warmUp.seconds} s; service CPU per request ${warmUp.first_cpu_us_per_request} → ${warmUp.last_cpu_us_per_request} µs`);
      const clients = await connectSubscribers(sys, subscribers);
      const send = async () => {
        if ((await sys.ingest(metricsEvent())) !== 202) throw new Error('ingest refused');
      };
      ours = await climb(clients, seconds, send, [sys.servicePid, sys.centrifugoPid], (s) => ctx.log(`  B3 ${subscribers} ours @ ${s.offered_dps} dps: delivered ${s.delivered_dps} (${s.delivered_ratio}) p99 ${s.p99_ms} ms, ${s.dps_per_cpu} per CPU-s`));
      both = bothSustained(ours, theirs);
      if (both > 0) {
        raw = await step(clients, both, seconds, rawCentrifugoSender(sys), [sys.centrifugoPid]);
        ctx.log(`  B3 ${subscribers} raw Centrifugo @ ${both} dps: delivered ${raw.delivered_dps} (${raw.delivered_ratio}) p99 ${raw.p99_ms} ms, ${raw.dps_per_cpu} per CPU-s`);
      }
      clients.forEach((c) => c.close());
    } finally {
      await sys.stop();
    }

    const best = (steps: B3Step[]) => [...steps].reverse().find((s) => s.sustained) ?? steps[0]!;
    const at = (steps: B3Step[]) => steps.find((s) => s.offered_dps === both) ?? steps[0]!;
    results.push({
      subscribers,
      ours_dps: best(ours).delivered_dps,
      socketio_dps: best(theirs).delivered_dps,
      ours_p99_ms: at(ours).p99_ms,
      socketio_p99_ms: at(theirs).p99_ms,
      ours_dps_per_cpu: best(ours).dps_per_cpu,
      socketio_dps_per_cpu: best(theirs).dps_per_cpu,
      seconds_per_step: seconds,
      ours_steps: ours,
      socketio_steps: theirs,
      raw_centrifugo_step: raw,
      warm_up: warmUp,
      socketio_warm_up_requests: sioWarmUp,
    });
  }
  return results;
}
