import type { Details, LatestResults } from './main';

interface Row {
  figure: string;
  value: string;
  target: string;
  baseline: string;
  ok: boolean | null;
}

const fmt = (n: number | undefined, unit = '') => (n === undefined || !Number.isFinite(n) ? '—' : `${n.toLocaleString('en-US')}${unit}`);
const mark = (ok: boolean | null) => (ok === null ? '' : ok ? 'met' : 'MISSED');

/** The rows of the terminal table: every figure beside its target and baseline. */
export function reportRows(latest: LatestResults, details: Details): Row[] {
  const rows: Row[] = [];
  for (const b of latest.b1 ?? []) {
    rows.push({ figure: `B1 p99 @ ${b.rate}/s`, value: fmt(b.p99_ms, ' ms'), target: `≤ raw + 10 = ${fmt(Math.round((b.raw_p99_ms + 10) * 10) / 10, ' ms')}`, baseline: `raw ${fmt(b.raw_p99_ms, ' ms')}`, ok: b.p99_ms <= b.raw_p99_ms + 10 });
    rows.push({ figure: `B1 p50 @ ${b.rate}/s`, value: fmt(b.p50_ms, ' ms'), target: '', baseline: `raw ${fmt(b.raw_p50_ms, ' ms')}`, ok: null });
  }
  if (latest.b2) {
    const b2 = latest.b2;
    const delivered = (db: string, mode: string) => details.b2?.find((p) => p.database === db && p.mode === mode)?.delivered_eps;
    rows.push({ figure: 'B2 Postgres single accepted', value: fmt(b2.postgres_single_eps, '/s'), target: '≥ 2,000/s', baseline: '', ok: b2.postgres_single_eps >= 2000 });
    rows.push({ figure: 'B2 Postgres single delivered', value: fmt(b2.postgres_single_delivered_eps, '/s'), target: '≥ 2,000/s, = accepted', baseline: '', ok: b2.postgres_single_delivered_eps >= 2000 && b2.postgres_single_delivered_eps >= 0.98 * b2.postgres_single_eps });
    rows.push({ figure: 'B2 Postgres batch 100 accepted', value: fmt(b2.postgres_batch_eps, '/s'), target: '≥ 10,000/s', baseline: '', ok: b2.postgres_batch_eps >= 10_000 });
    rows.push({ figure: 'B2 Postgres batch 100 delivered', value: fmt(b2.postgres_batch_delivered_eps, '/s'), target: '≥ 10,000/s, = accepted', baseline: '', ok: b2.postgres_batch_delivered_eps >= 10_000 && b2.postgres_batch_delivered_eps >= 0.98 * b2.postgres_batch_eps });
    rows.push({ figure: 'B2 PGlite single', value: fmt(b2.pglite_single_eps, '/s'), target: '', baseline: `delivered ${fmt(delivered('pglite', 'single'), '/s')}`, ok: null });
    rows.push({ figure: 'B2 PGlite batch 100', value: fmt(b2.pglite_batch_eps, '/s'), target: '', baseline: `delivered ${fmt(delivered('pglite', 'batch'), '/s')}`, ok: null });
  }
  for (const b of latest.b3 ?? []) {
    rows.push({ figure: `B3 ${b.subscribers} subs deliveries/CPU-s`, value: fmt(b.ours_dps_per_cpu), target: `≥ 2× = ${fmt(2 * b.socketio_dps_per_cpu)}`, baseline: `socket.io ${fmt(b.socketio_dps_per_cpu)}`, ok: b.subscribers === 5000 ? b.ours_dps_per_cpu >= 2 * b.socketio_dps_per_cpu : null });
    rows.push({ figure: `B3 ${b.subscribers} subs max deliveries/s`, value: fmt(b.ours_dps), target: '', baseline: `socket.io ${fmt(b.socketio_dps)}`, ok: null });
    const raw = details.b3?.find((d) => d.subscribers === b.subscribers)?.raw_centrifugo_step;
    rows.push({ figure: `B3 ${b.subscribers} subs p99 (both sustain)`, value: fmt(b.ours_p99_ms, ' ms'), target: '≤ socket.io', baseline: `socket.io ${fmt(b.socketio_p99_ms, ' ms')}${raw ? `; raw Centrifugo ${fmt(raw.p99_ms, ' ms')}` : ''}`, ok: b.ours_p99_ms <= b.socketio_p99_ms });
  }
  if (latest.b4) {
    const b4 = latest.b4;
    rows.push({ figure: `B4 ${b4.clients} clients subscribed`, value: fmt(b4.seconds, ' s'), target: '≤ 20 s (5,000)', baseline: `${fmt(details.b4?.token_requests_per_second, ' token req/s')}`, ok: b4.seconds <= 20 });
    rows.push({ figure: 'B4 event-service peak RSS', value: fmt(b4.service_rss_mb, ' MB'), target: '≤ 250 MB', baseline: '', ok: b4.service_rss_mb <= 250 });
    rows.push({ figure: 'B4 Centrifugo per connection', value: fmt(b4.centrifugo_kb_per_conn, ' KB'), target: '', baseline: 'published ~30 KB', ok: null });
  }
  if (latest.b5) {
    rows.push({ figure: 'B5 /deployments JS (gzip)', value: fmt(latest.b5.js_gz_kb, ' KB'), target: '', baseline: `${fmt(details.b5?.js_raw_kb, ' KB')} raw`, ok: null });
    rows.push({ figure: 'B5 ingest → DOM median', value: fmt(latest.b5.ingest_to_dom_ms, ' ms'), target: '≤ 50 ms', baseline: `202 after ${fmt(details.b5?.ingest_ack_median_ms, ' ms')}`, ok: latest.b5.ingest_to_dom_ms <= 50 });
  }
  if (latest.b6) {
    const b6 = latest.b6;
    const bound = Math.min(100, Math.max(2 * b6.quiet_p99_ms, b6.quiet_p99_ms + 20));
    rows.push({ figure: 'B6 victim p99 quiet (Postgres)', value: fmt(b6.quiet_p99_ms, ' ms'), target: '', baseline: '', ok: null });
    rows.push({ figure: 'B6 victim p99 under read flood', value: fmt(b6.read_flood_p99_ms, ' ms'), target: `≤ ${fmt(round1(bound), ' ms')}`, baseline: `quiet ${fmt(b6.quiet_p99_ms, ' ms')}`, ok: b6.read_flood_p99_ms <= bound });
    rows.push({ figure: 'B6 victim p99 under ingest flood', value: fmt(b6.ingest_flood_p99_ms, ' ms'), target: `≤ ${fmt(round1(bound), ' ms')}`, baseline: `quiet ${fmt(b6.quiet_p99_ms, ' ms')}`, ok: b6.ingest_flood_p99_ms <= bound });
    rows.push({ figure: 'B6 flood answered 429', value: fmt(Math.round(b6.flood_429_ratio * 1000) / 10, ' %'), target: '', baseline: '', ok: null });
    for (const p of details.b6?.filter((x) => x.database === 'pglite') ?? []) {
      rows.push({ figure: `B6 PGlite victim p99 ${p.phase.replace('_', ' ')}`, value: fmt(p.victim_p99_ms, ' ms'), target: '', baseline: `p50 ${fmt(p.victim_p50_ms, ' ms')}`, ok: null });
    }
  }
  const b7 = details.b7 ?? [];
  const keys = ['page_ms', 'search_rare_ms', 'search_common_ms', 'range_ms', 'catchup_ms', 'notifications_ms', 'deployments_ms'] as const;
  for (const d of b7) {
    const smallest = b7.find((x) => x.database === d.database && x.events === Math.min(...b7.filter((y) => y.database === d.database).map((y) => y.events)));
    for (const k of keys) {
      const base = smallest?.[k];
      const bounded = d.database === 'postgres' && d.events > (smallest?.events ?? 0) ? d[k] <= 20 && d.p99_ms[k]! <= 50 && (base === undefined || d[k] <= 2 * base) : null;
      rows.push({
        figure: `B7 ${d.database} ${d.events.toLocaleString('en-US')} ${k.replace(/_ms$/, '')}`,
        value: `${fmt(d[k], ' ms')} (p99 ${fmt(d.p99_ms[k], ' ms')})`,
        target: d.database === 'postgres' ? '≤ 20 ms, p99 ≤ 50, ≤ 2× at 2,000' : '',
        baseline: base !== undefined && d !== smallest ? `${fmt(base, ' ms')} at ${smallest!.events.toLocaleString('en-US')}` : '',
        ok: bounded,
      });
    }
    rows.push({
      figure: `B7 ${d.database} ${d.events.toLocaleString('en-US')} ingest p99 during retention`,
      value: fmt(d.retention.during.p99_ms, ' ms'),
      target: '',
      baseline: `${fmt(d.retention.before.p99_ms, ' ms')} before; ${fmt(d.retention.expired)} deleted in ${fmt(d.retention.seconds, ' s')}`,
      ok: null,
    });
  }
  return rows;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function printReport(latest: LatestResults, details: Details): void {
  const rows = reportRows(latest, details);
  const header: Row = { figure: 'figure', value: 'value', target: 'target', baseline: 'baseline', ok: null };
  const cells = (r: Row) => [r.figure, r.value, r.target, r.baseline, r === header ? 'status' : mark(r.ok)];
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...[header, ...rows].map((r) => cells(r)[i]!.length)));
  const line = (r: Row) => cells(r).map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  rows.forEach((r) => console.log(line(r)));
  for (const [name, err] of Object.entries(details.errors)) console.log(`${name}: FAILED — ${err.split('\n')[0]}`);
}
