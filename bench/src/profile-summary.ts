// `npx tsx bench/src/profile-summary.ts <file.cpuprofile | folder> [top]`: where the event service's CPU
// time went, from the V8 profiles `npm run bench -- --profile` writes: self time by function and by
// package (or our own source file), as a share of the sampled time.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Groups a script URL by package (node_modules/<pkg>), Node internals, or our own file. */
export function ownerOf(url: string): string {
  if (!url) return '(native/gc/idle)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  return path.basename(url);
}

export function summarize(profile: CpuProfile, top = 25): { totalMs: number; byFunction: Array<[string, number]>; byOwner: Array<[string, number]> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const owner = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName === '(idle)' ? '(idle)' : `${functionName || '(anonymous)'} ${ownerOf(url)}:${lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    if (functionName !== '(idle)') owner.set(ownerOf(url), (owner.get(ownerOf(url)) ?? 0) + us);
    total += us;
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, v / 1000] as [string, number]);
  return { totalMs: total / 1000, byFunction: sorted(fn), byOwner: sorted(owner) };
}

function filesOf(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(target, f));
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const [target, topArg] = process.argv.slice(2);
  if (!target) {
    console.error('usage: profile-summary <file.cpuprofile | folder> [top]');
    process.exit(2);
  }
  for (const file of filesOf(target)) {
    const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(topArg ?? 25));
    const pct = (ms: number) => `${((ms / s.totalMs) * 100).toFixed(1).padStart(5)} %`;
    console.log(`\n${file}: ${(s.totalMs / 1000).toFixed(1)} s sampled`);
    console.log('  by package / file (self time, idle excluded):');
    s.byOwner.forEach(([k, ms]) => console.log(`    ${pct(ms)}  ${k}`));
    console.log('  by function (self time):');
    s.byFunction.forEach(([k, ms]) => console.log(`    ${pct(ms)}  ${k}`));
  }
}
