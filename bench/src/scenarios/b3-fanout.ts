import { startBenchSystem } from '../lib/bench-system';
import { metricsEvent, type DeliveryTracker } from '../lib/deliveries';
import { mapLimit, pace, waitUntil } from '../lib/pacer';
import { startSocketIoBaseline } from '../lib/socketio-baseline';
import { RawSocketIoClient } from '../lib/socketio-ws';
import { CpuMeter, round } from '../lib/stats';
import { connectSubscribers, freshTracker, LOAD_CHANNEL, ProcCpuMeter, profiledEnv, type ScenarioContext } from './common';

export interface B3Entry {
  subscribers: number;
  ours_dps: number;
  socketio_dps: number;
  ours_p99_ms: number;
  socketio_p99_ms: number;
}

export interface B3Detail extends B3Entry {
  events_per_second: number;
  offered_dps: number;
  seconds: number;
  ours_p50_ms: number;
  socketio_p50_ms: number;
  ours_delivered_ratio: number;
  socketio_delivered_ratio: number;
  ours_load_generator_cpu_pct: number;
  socketio_load_generator_cpu_pct: number;
  ours_server_cpu_pct: Record<string, number>;
  socketio_server_cpu_pct: number;
}

/**
 * Offered deliveries per second (events/s × subscribers), the same for both systems; high enough that a
 * system which cannot keep up falls behind (its deliveries/s drop below the offer and its p99 grows).
 */
const OFFERED_DPS = 100_000;

interface PhaseResult {
  dps: number;
  p50: number;
  p99: number;
  ratio: number;
  cpu: number;
  procs: Record<string, number>;
}

async function measure(
  clients: Array<{ tracker: DeliveryTracker | null }>,
  rate: number,
  seconds: number,
  send: () => Promise<void>,
  pids: Record<string, number>,
): Promise<PhaseResult> {
  await pace(Math.max(5, rate / 4), 1000, send); // warm-up
  const tracker = freshTracker(clients);
  const cpu = new CpuMeter();
  const procs = new ProcCpuMeter(pids);
  const t0 = performance.now();
  const { sent, failed } = await pace(rate, seconds * 1000, send);
  const expected = (sent - failed) * clients.length;
  await waitUntil(() => tracker.delivered >= expected, 15_000);
  const cpuPct = cpu.percent();
  const summary = tracker.latency.summary();
  return {
    dps: tracker.delivered / (((tracker.lastAt || performance.now()) - t0) / 1000),
    p50: summary.p50,
    p99: summary.p99,
    ratio: expected ? tracker.delivered / expected : 0,
    cpu: cpuPct,
    procs: procs.percent(),
  };
}

/**
 * B3: fan-out of one channel to 1,000 and 5,000 subscribers, ours (ingest → Postgres → relay → Centrifugo)
 * against a Socket.IO 4 server (rooms, one process) fed the same events at the same rate over HTTP.
 */
export async function runB3(ctx: ScenarioContext): Promise<B3Detail[]> {
  const seconds = ctx.quick ? 4 : 10;
  const counts = ctx.quick ? [1000] : [1000, 5000];
  const results: B3Detail[] = [];
  for (const subscribers of counts) {
    const rate = OFFERED_DPS / subscribers;

    const sys = await startBenchSystem({ centrifugoBin: ctx.centrifugoBin, database: 'postgres', env: profiledEnv(ctx, `b3-${subscribers}`) });
    let ours: PhaseResult;
    try {
      const clients = await connectSubscribers(sys, subscribers);
      const send = async () => {
        if ((await sys.ingest(metricsEvent())) !== 202) throw new Error('ingest refused');
      };
      ours = await measure(clients, rate, seconds, send, { service: sys.servicePid, centrifugo: sys.centrifugoPid });
      clients.forEach((c) => c.close());
    } finally {
      await sys.stop();
    }

    const sio = await startSocketIoBaseline();
    let theirs: PhaseResult;
    try {
      const clients = await mapLimit(Array.from({ length: subscribers }), 100, () => RawSocketIoClient.connect(sio.url, LOAD_CHANNEL));
      const send = async () => {
        if ((await sio.publish(LOAD_CHANNEL, metricsEvent())) !== 202) throw new Error('publish refused');
      };
      theirs = await measure(clients, rate, seconds, send, { socketio: sio.pid });
      clients.forEach((c) => c.close());
    } finally {
      await sio.stop();
    }

    ctx.log(`  B3 ${subscribers} subs @ ${rate} ev/s: ours ${round(ours.dps)} dps p99 ${round(ours.p99)} ms; socket.io ${round(theirs.dps)} dps p99 ${round(theirs.p99)} ms`);
    results.push({
      subscribers,
      ours_dps: round(ours.dps),
      socketio_dps: round(theirs.dps),
      ours_p99_ms: round(ours.p99),
      socketio_p99_ms: round(theirs.p99),
      events_per_second: rate,
      offered_dps: OFFERED_DPS,
      seconds,
      ours_p50_ms: round(ours.p50),
      socketio_p50_ms: round(theirs.p50),
      ours_delivered_ratio: round(ours.ratio),
      socketio_delivered_ratio: round(theirs.ratio),
      ours_load_generator_cpu_pct: round(ours.cpu),
      socketio_load_generator_cpu_pct: round(theirs.cpu),
      ours_server_cpu_pct: Object.fromEntries(Object.entries(ours.procs).map(([k, v]) => [k, round(v)])),
      socketio_server_cpu_pct: round(theirs.procs.socketio!),
    });
  }
  return results;
}
