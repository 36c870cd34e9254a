import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSystem } from '../lib/bench-system';
import { RawCentrifugoClient, type ChannelGrant } from '../lib/centrifugo-ws';
import { DeliveryTracker } from '../lib/deliveries';
import { mapLimit } from '../lib/pacer';
import { readPostgresCpuSeconds, readProcCpuSeconds } from '../lib/proc-stats';

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
