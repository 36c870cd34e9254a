import { startBenchSystem } from '../lib/bench-system';
import { metricsEvent } from '../lib/deliveries';
import { waitUntil } from '../lib/pacer';
import { CpuMeter, round } from '../lib/stats';
import { connectSubscribers, freshTracker, ProcCpuMeter, profiledEnv, warmUpService, type ScenarioContext, type WarmUp } from './common';

export interface B2Result {
  postgres_single_eps: number;
  postgres_batch_eps: number;
  pglite_single_eps: number;
  pglite_batch_eps: number;
  /** Delivered to a subscriber, per second from the first request to the last delivery (a rate that trails the accepted one is a miss). */
  postgres_single_delivered_eps: number;
  postgres_batch_delivered_eps: number;
}

export interface B2Phase {
  database: 'postgres' | 'pglite';
  mode: 'single' | 'batch';
  producers: number;
  accepted_eps: number;
  delivered_eps: number;
  delivered_ratio: number;
  load_generator_cpu_pct: number;
  service_cpu_pct: number;
  centrifugo_cpu_pct: number;
  /** The local PostgreSQL server's CPU (all its processes; absent on PGlite, which runs inside the service). */
  postgres_cpu_pct?: number;
  /** The service's warm-up before the phases (see warmUpService). */
  warm_up: WarmUp;
}

const SINGLE_PRODUCERS = 32;
const BATCH_PRODUCERS = 8;
const BATCH_SIZE = 100;

/**
 * B2: ingest throughput with durability (202 only after the commit): closed-loop producers, each posting
 * again as soon as its previous request was answered. "Delivered" counts what one subscriber received,
 * per second from the first request to the last delivery.
 */
export async function runB2(ctx: ScenarioContext): Promise<{ result: B2Result; phases: B2Phase[] }> {
  const seconds = ctx.quick ? 3 : 10;
  const phases: B2Phase[] = [];
  for (const database of ['postgres', 'pglite'] as const) {
    const env = profiledEnv(ctx, `b2-${database}`);
    const sys = await startBenchSystem({ centrifugoBin: ctx.centrifugoBin, database, env });
    try {
      const [subscriber] = await connectSubscribers(sys, 1);
      // The service to its steady state first (PGlite, far slower, for at most 5 s).
      const warmUp = await warmUpService(sys, database === 'pglite' ? { maxMs: 5_000, batches: 20 } : {});
      ctx.log(`  B2 ${database} warm-up: ${warmUp.batches} batches and ${warmUp.requests} single events in ${warmUp.seconds} s; service CPU per request ${warmUp.first_cpu_us_per_request} → ${warmUp.last_cpu_us_per_request} µs`);
      const run = async (mode: 'single' | 'batch', durationMs: number): Promise<B2Phase> => {
        const tracker = freshTracker([subscriber!]);
        const cpu = new CpuMeter();
        const procs = new ProcCpuMeter({ service: sys.servicePid, centrifugo: sys.centrifugoPid, ...(database === 'postgres' ? { postgres: 'postgres' as const } : {}) });
        const t0 = performance.now();
        let accepted = 0;
        const producer = async () => {
          while (performance.now() - t0 < durationMs) {
            const body = mode === 'single' ? metricsEvent() : { events: Array.from({ length: BATCH_SIZE }, () => metricsEvent()) };
            const status = await sys.ingest(body);
            if (status === 202) accepted += mode === 'single' ? 1 : BATCH_SIZE;
          }
        };
        const producers = mode === 'single' ? SINGLE_PRODUCERS : BATCH_PRODUCERS;
        await Promise.all(Array.from({ length: producers }, producer));
        const acceptedSeconds = (performance.now() - t0) / 1000;
        const cpuPct = cpu.percent();
        const procPct = procs.percent();
        await waitUntil(() => tracker.delivered >= accepted, 30_000);
        const deliveredSeconds = ((tracker.lastAt || performance.now()) - t0) / 1000;
        return {
          database,
          mode,
          producers,
          accepted_eps: round(accepted / acceptedSeconds),
          delivered_eps: round(tracker.delivered / deliveredSeconds),
          delivered_ratio: round(accepted ? tracker.delivered / accepted : 0),
          load_generator_cpu_pct: round(cpuPct),
          service_cpu_pct: round(procPct.service!),
          centrifugo_cpu_pct: round(procPct.centrifugo!),
          ...(procPct.postgres !== undefined ? { postgres_cpu_pct: round(procPct.postgres) } : {}),
          warm_up: warmUp,
        };
      };
      for (const mode of ['single', 'batch'] as const) {
        const p = await run(mode, seconds * 1000);
        const cpu = `service ${p.service_cpu_pct}%${p.postgres_cpu_pct !== undefined ? `, PostgreSQL ${p.postgres_cpu_pct}%` : ''}, Centrifugo ${p.centrifugo_cpu_pct}%`;
        ctx.log(`  B2 ${database} ${mode}: accepted ${p.accepted_eps}/s, delivered ${p.delivered_eps}/s (CPU: ${cpu})`);
        phases.push(p);
      }
      subscriber?.close();
    } finally {
      await sys.stop();
    }
  }
  const eps = (db: string, mode: string) => phases.find((p) => p.database === db && p.mode === mode)?.accepted_eps ?? 0;
  const delivered = (db: string, mode: string) => phases.find((p) => p.database === db && p.mode === mode)?.delivered_eps ?? 0;
  return {
    result: {
      postgres_single_eps: eps('postgres', 'single'),
      postgres_batch_eps: eps('postgres', 'batch'),
      pglite_single_eps: eps('pglite', 'single'),
      pglite_batch_eps: eps('pglite', 'batch'),
      postgres_single_delivered_eps: delivered('postgres', 'single'),
      postgres_batch_delivered_eps: delivered('postgres', 'batch'),
    },
    phases,
  };
}
