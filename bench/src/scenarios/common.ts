import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSystem } from '../lib/bench-system';
import { RawCentrifugoClient, type ChannelGrant } from '../lib/centrifugo-ws';
import { DeliveryTracker, metricsEvent } from '../lib/deliveries';
import { mapLimit } from '../lib/pacer';
import { readPostgresCpuSeconds, readProcCpuSeconds } from '../lib/proc-stats';
import { round } from '../lib/stats';

/** What every scenario is given by the runner. */
export interface ScenarioContext {
  quick: boolean;
  centrifugoBin: string;
  /** Write CPU profiles of the event service to this folder (`--profile`). */
  profileDir?: string;
  log: (line: string) => void;
}

const PROFILE_PRELOAD = fileURLToPath(new URL('../lib/cpu-profile-preload.mjs', import.meta.url));

/**
 * Environment for the event service of one scenario: when profiling, a V8 CPU profile into
 * `<profileDir>/<label>` (a preload, because Node 20 refuses --cpu-prof in NODE_OPTIONS).
 */
export function profiledEnv(ctx: ScenarioContext, label: string): Record<string, string> | undefined {
  return ctx.profileDir ? { NODE_OPTIONS: `--import=${PROFILE_PRELOAD}`, BENCH_CPU_PROF_DIR: path.join(ctx.profileDir, label) } : undefined;
}

/** The channel every load scenario uses: a tenant metrics channel, which has no domain projection. */
export const LOAD_CHANNEL = 'metrics:acme';

/**
 * Connects `n` raw clients subscribed to `channel`. Tokens come from the real token routes; one connection
 * token and one subscription token (both bound to the user, not the connection) serve every client.
 */
export async function connectSubscribers(sys: BenchSystem, n: number, channel = LOAD_CHANNEL, concurrency = 100): Promise<RawCentrifugoClient[]> {
  const platform = await sys.login();
  const [connToken, subToken] = await Promise.all([sys.connectionToken(platform), sys.subscriptionToken(platform, channel)]);
  const grants: ChannelGrant[] = [{ channel, token: subToken }];
  return mapLimit(Array.from({ length: n }), concurrency, () => RawCentrifugoClient.connect(sys.centrifugoWs, connToken, grants));
}

/**
 * A sender that publishes a load event straight to Centrifugo's HTTP API, bypassing the event service:
 * the same envelope our pipeline publishes (so payload sizes match), the baseline "raw Centrifugo" of B1
 * and B3.
 */
export function rawCentrifugoSender(sys: BenchSystem, channel = LOAD_CHANNEL): () => Promise<void> {
  return async () => {
    const e = metricsEvent();
    const status = await sys.rawPublish(channel, { id: crypto.randomUUID(), ...e, timestamp: new Date().toISOString(), seq: 1 });
    if (status !== 200) throw new Error(`publish ${status}`);
  };
}

/** Points every client at a fresh tracker counting only events sent from now on. */
export function freshTracker(clients: Array<{ tracker: DeliveryTracker | null }>): DeliveryTracker {
  const tracker = new DeliveryTracker();
  tracker.since = performance.now();
  for (const c of clients) c.tracker = tracker;
  return tracker;
}

/** CPU use of other processes (the servers) over a phase, percent of one core. */
export class ProcCpuMeter {
  #readers: Record<string, () => number>;
  #start: Record<string, number>;
  #t0 = performance.now();

  /** Each entry a process id, or `'postgres'` for the local PostgreSQL server (all its processes). */
  constructor(pids: Record<string, number | 'postgres'>) {
    this.#readers = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid === 'postgres' ? readPostgresCpuSeconds : () => readProcCpuSeconds(pid)]));
    this.#start = Object.fromEntries(Object.entries(this.#readers).map(([k, read]) => [k, read()]));
  }

  percent(): Record<string, number> {
    const wall = (performance.now() - this.#t0) / 1000;
    return Object.fromEntries(Object.entries(this.#readers).map(([k, read]) => [k, ((read() - this.#start[k]!) / wall) * 100]));
  }
}

/** What a warm-up did, and the service's CPU per single-event request at its start and at its end. */
export interface WarmUp {
  batches: number;
  requests: number;
  seconds: number;
  /** Service CPU per single-event request over the first and the last tenth of the warm-up, µs. */
  first_cpu_us_per_request: number;
  last_cpu_us_per_request: number;
}

/**
 * Brings a fresh event service to its steady state before a measurement. V8 optimises a function only
 * after thousands of calls: sent one at a time on this machine (2026-12-03), a fresh service spent 3.8 ms
 * of CPU per single-event request over its first 250 requests, 1.8 ms around the 2,000th and 0.7 ms after
 * 24,000, and its 202's p99 fell from 14 to 3.3 ms. B1's quick run is 2,550 requests: without this it
 * measured a service still running mostly unoptimised code, which is not the service a portal talks to
 * after its first minute. Batches of 100 first (the batch path), then single events, `concurrency` at a
 * time, into a tenant (`globex`) the measured subscribers do not listen to, until `requests` singles or
 * `maxMs`. The CPU figures go into the scenario's details, so the warm-up's effect stays on record.
 */
export async function warmUpService(
  sys: BenchSystem,
  { batches = 200, requests = 20_000, concurrency = 8, maxMs = 30_000, tenantId = 'globex' }: { batches?: number; requests?: number; concurrency?: number; maxMs?: number; tenantId?: string } = {},
): Promise<WarmUp> {
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  const send = async (body: unknown) => {
    const status = await sys.ingest(body);
    if (status !== 202) throw new Error(`warm-up ingest ${status}`);
  };
  let nextBatch = 0;
  // Batches with at most 4 in flight: the batch path needs its calls, not a flood.
  await Promise.all(
    Array.from({ length: Math.min(concurrency, 4) }, async () => {
      while (nextBatch < batches && performance.now() < deadline) {
        nextBatch++;
        await send({ events: Array.from({ length: 100 }, () => metricsEvent(tenantId)) });
      }
    }),
  );
  // The service's CPU at the start, after the first tenth, before the last tenth, and at the end.
  const cpu = () => readProcCpuSeconds(sys.servicePid);
  const tenth = Math.max(1, Math.floor(requests / 10));
  const start = cpu();
  let afterFirst: number | null = null;
  let beforeLast: number | null = null;
  let started = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < requests && performance.now() < deadline) {
        started++;
        await send(metricsEvent(tenantId));
        done++;
        if (done === tenth) afterFirst = cpu();
        if (done === requests - tenth) beforeLast = cpu();
      }
    }),
  );
  const end = cpu();
  const us = (seconds: number, n: number) => (n > 0 ? round((seconds / n) * 1e6) : 0);
  // Cut short by `maxMs`, a tenth may not have been reached: the figure then covers what was sent.
  const first = afterFirst === null ? us(end - start, done) : us(afterFirst - start, tenth);
  const last = beforeLast === null ? first : us(end - beforeLast, done - (requests - tenth));
  return {
    batches: nextBatch,
    requests: done,
    seconds: round((performance.now() - t0) / 1000),
    first_cpu_us_per_request: first,
    last_cpu_us_per_request: last,
  };
}
