// `npm run bench` (full) and `npm run bench -- --quick`: B1–B5 of issue 8 side by side, B6 (noisy neighbour) and B7 (history at scale),
// against the system exactly as `npm start` runs it. Writes bench/results/latest.json (the figures, keys
// as the issue lists them), bench/results/details.json (everything measured) and prints a table.
// Flags: --quick; --only=b1,b3 (a subset; the other keys stay null); --profile (CPU profiles of the
// event service in B1–B4, into bench/results/profiles/).
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { provisionCentrifugo } from '../../scripts/lib/centrifugo.mjs';
import { buildAll } from '../../scripts/lib/build.mjs';
import { closeHttp } from './lib/http';
import { runB1, type B1Detail } from './scenarios/b1-latency';
import { runB2, type B2Phase, type B2Result } from './scenarios/b2-throughput';
import { runB3, type B3Detail } from './scenarios/b3-fanout';
import { runB4, type B4Detail } from './scenarios/b4-connect-storm';
import { runB5, type B5Detail } from './scenarios/b5-portal';
import { runB6, type B6Phase, type B6Result } from './scenarios/b6-noisy-neighbour';
import { runB7, type B7Detail, type B7Row } from './scenarios/b7-history';
import type { ScenarioContext } from './scenarios/common';
import { printReport } from './report';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const profile = args.includes('--profile');
const wanted = (name: string) => !only || only.includes(name);

/** The figures, keyed exactly as issue 8 lists them; null when a scenario did not run or failed. */
export interface LatestResults {
  b1: Array<Pick<B1Detail, 'rate' | 'p50_ms' | 'p99_ms' | 'raw_p50_ms' | 'raw_p99_ms'>> | null;
  b2: B2Result | null;
  b3: Array<Pick<B3Detail, 'subscribers' | 'ours_dps' | 'socketio_dps' | 'ours_p99_ms' | 'socketio_p99_ms' | 'ours_dps_per_cpu' | 'socketio_dps_per_cpu'>> | null;
  b4: Pick<B4Detail, 'clients' | 'seconds' | 'service_rss_mb' | 'centrifugo_kb_per_conn'> | null;
  b5: Pick<B5Detail, 'js_gz_kb' | 'ingest_to_dom_ms'> | null;
  /** B6 noisy neighbour (PostgreSQL): the victim's delivery p99 quiet and under each flood; share of the flood refused. */
  b6: B6Result | null;
  /** PostgreSQL, medians in ms, with the p99 of each request. */
  b7: Array<B7Row & { p99_ms: Record<string, number> }> | null;
}

export interface Details {
  mode: 'quick' | 'full';
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string };
  b1: B1Detail[] | null;
  b2: B2Phase[] | null;
  b3: B3Detail[] | null;
  b4: B4Detail | null;
  b5: B5Detail | null;
  b6: B6Phase[] | null;
  b7: B7Detail[] | null;
  errors: Record<string, string>;
}

const pick = <T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> => Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;

async function main(): Promise<number> {
  const log = (line: string) => console.log(line);
  const started = performance.now();
  log(`bench (${quick ? 'quick' : 'full'}): provisioning Centrifugo and building what is stale…`);
  const centrifugoBin = process.env.CENTRIFUGO_BIN ?? (await provisionCentrifugo({ log }));
  await buildAll({ log });
  const profileDir = profile ? path.join(RESULTS, 'profiles') : undefined;
  const ctx: ScenarioContext = { quick, centrifugoBin, profileDir, log };

  const details: Details = {
    mode: quick ? 'quick' : 'full',
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    b1: null, b2: null, b3: null, b4: null, b5: null, b6: null, b7: null,
    errors: {},
  };
  const latest: LatestResults = { b1: null, b2: null, b3: null, b4: null, b5: null, b6: null, b7: null };

  const scenario = async <T>(name: keyof LatestResults, title: string, run: () => Promise<T>): Promise<T | null> => {
    if (!wanted(name)) return null;
    log(`${name.toUpperCase()} ${title}…`);
    const t0 = performance.now();
    try {
      const out = await run();
      log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      return out;
    } catch (err) {
      details.errors[name] = err instanceof Error ? err.stack ?? err.message : String(err);
      log(`  ${name} FAILED: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };

  details.b1 = await scenario('b1', 'latency, ours vs raw Centrifugo', () => runB1(ctx));
  latest.b1 = details.b1?.map((d) => pick(d, ['rate', 'p50_ms', 'p99_ms', 'raw_p50_ms', 'raw_p99_ms'] as const)) ?? null;
  const b2 = await scenario('b2', 'ingest throughput, Postgres and PGlite', () => runB2(ctx));
  details.b2 = b2?.phases ?? null;
  latest.b2 = b2?.result ?? null;
  details.b3 = await scenario('b3', 'fan-out, ours vs Socket.IO', () => runB3(ctx));
  latest.b3 = details.b3?.map((d) => pick(d, ['subscribers', 'ours_dps', 'socketio_dps', 'ours_p99_ms', 'socketio_p99_ms', 'ours_dps_per_cpu', 'socketio_dps_per_cpu'] as const)) ?? null;
  details.b4 = await scenario('b4', 'connect storm', () => runB4(ctx));
  latest.b4 = details.b4 ? pick(details.b4, ['clients', 'seconds', 'service_rss_mb', 'centrifugo_kb_per_conn'] as const) : null;
  details.b5 = await scenario('b5', 'portal', () => runB5(ctx));
  latest.b5 = details.b5 ? pick(details.b5, ['js_gz_kb', 'ingest_to_dom_ms'] as const) : null;
  const b6 = await scenario('b6', 'noisy neighbour, Postgres and PGlite', () => runB6(ctx));
  details.b6 = b6?.phases ?? null;
  latest.b6 = b6?.result ?? null;
  details.b7 = await scenario('b7', 'history at scale, PostgreSQL and PGlite', () => runB7(ctx));
  latest.b7 =
    details.b7
      ?.filter((d) => d.database === 'postgres')
      .map((d) => pick(d, ['events', 'page_ms', 'search_rare_ms', 'search_common_ms', 'range_ms', 'catchup_ms', 'notifications_ms', 'deployments_ms', 'p99_ms'] as const)) ?? null;

  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(latest, null, 2) + '\n');
  writeFileSync(path.join(RESULTS, 'details.json'), JSON.stringify(details, null, 2) + '\n');
  printReport(latest, details);
  log(`\nwrote bench/results/latest.json and details.json in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return Object.keys(details.errors).length > 0 ? 1 : 0;
}

main()
  .then((code) => {
    closeHttp();
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    console.error(err);
    closeHttp();
    process.exitCode = 1;
  });
