import { startBenchSystem } from '../lib/bench-system';
import { RawCentrifugoClient } from '../lib/centrifugo-ws';
import { mapLimit } from '../lib/pacer';
import { CpuMeter, round } from '../lib/stats';
import { ProcCpuMeter, profiledEnv, type ScenarioContext } from './common';

export interface B4Result {
  clients: number;
  seconds: number;
  service_rss_mb: number;
  centrifugo_kb_per_conn: number;
}

export interface B4Detail extends B4Result {
  /** Token requests answered per second over the storm. */
  token_requests_per_second: number;
  service_rss_end_mb: number;
  centrifugo_rss_before_mb: number;
  centrifugo_rss_after_mb: number;
  load_generator_cpu_pct: number;
  service_cpu_pct: number;
  centrifugo_cpu_pct: number;
  concurrency: number;
}

const CHANNELS = ['metrics:acme', 'deployments:acme', 'alerts:acme'] as const;
/** Clients in their connect sequence at once (a page load of many tabs, or a reconnect wave after a deploy). */
const CONCURRENCY = 200;

/**
 * B4: N clients each get a connection token and three subscription tokens from the event service, then
 * connect and subscribe; measured until every client holds its three subscriptions.
 */
export async function runB4(ctx: ScenarioContext): Promise<B4Detail> {
  const n = ctx.quick ? 1000 : 5000;
  const sys = await startBenchSystem({ centrifugoBin: ctx.centrifugoBin, database: 'postgres', env: profiledEnv(ctx, 'b4') });
  const clients: RawCentrifugoClient[] = [];
  try {
    const platform = await sys.login();
    await new Promise((r) => setTimeout(r, 500)); // let Centrifugo's RSS settle after start
    const before = sys.centrifugoMemory();
    const cpu = new CpuMeter();
    const procs = new ProcCpuMeter({ service: sys.servicePid, centrifugo: sys.centrifugoPid });
    let tokens = 0;
    const t0 = performance.now();
    await mapLimit(Array.from({ length: n }), CONCURRENCY, async () => {
      const [conn, ...subs] = await Promise.all([sys.connectionToken(platform), ...CHANNELS.map((ch) => sys.subscriptionToken(platform, ch))]);
      tokens += 4;
      clients.push(await RawCentrifugoClient.connect(sys.centrifugoWs, conn!, CHANNELS.map((channel, i) => ({ channel, token: subs[i]! }))));
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpuPct = cpu.percent();
    const procPct = procs.percent();
    await new Promise((r) => setTimeout(r, 500));
    const after = sys.centrifugoMemory();
    const service = sys.serviceMemory();
    const detail: B4Detail = {
      clients: n,
      seconds: round(seconds),
      service_rss_mb: round(service.peakMb),
      centrifugo_kb_per_conn: round(((after.rssMb - before.rssMb) * 1024) / n),
      token_requests_per_second: round(tokens / seconds),
      service_rss_end_mb: round(service.rssMb),
      centrifugo_rss_before_mb: round(before.rssMb),
      centrifugo_rss_after_mb: round(after.rssMb),
      load_generator_cpu_pct: round(cpuPct),
      service_cpu_pct: round(procPct.service!),
      centrifugo_cpu_pct: round(procPct.centrifugo!),
      concurrency: CONCURRENCY,
    };
    ctx.log(`  B4 ${n} clients: ${detail.seconds} s, ${detail.token_requests_per_second} token req/s, service peak RSS ${detail.service_rss_mb} MB, Centrifugo ${detail.centrifugo_kb_per_conn} KB/conn`);
    return detail;
  } finally {
    clients.forEach((c) => c.close());
    await sys.stop();
  }
}
