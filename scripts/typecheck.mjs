#!/usr/bin/env node
// `npm run typecheck`: strict TypeScript over every workspace; the portal through vue-tsc.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';
import { run } from './lib/proc.mjs';

const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
const projects = ['packages/contracts', 'packages/publisher-sdk', 'packages/api-client', 'packages/realtime-client', 'apps/event-service', 'apps/demo-deployer', 'apps/demo-idp', 'bench', 'scripts'];
let failed = false;
/** True when `dir` holds a TypeScript source outside node_modules (tsc refuses a project with none). */
function hasSources(dir) {
  return readdirSync(dir).some((entry) => {
    if (entry === 'node_modules' || entry === 'dist') return false;
    const p = path.join(dir, entry);
    return statSync(p).isDirectory() ? hasSources(p) : /\.(ts|mts)$/.test(entry);
  });
}

for (const project of projects) {
  if (!hasSources(path.join(ROOT, project))) {
    console.log(`typecheck skipped: ${project} (no TypeScript sources yet)`);
    continue;
  }
  try {
    await run(tsc, ['-p', path.join(ROOT, project, 'tsconfig.json')], { cwd: ROOT });
    console.log(`typecheck ok: ${project}`);
  } catch {
    failed = true;
    console.error(`typecheck FAILED: ${project}`);
  }
}
// The Nuxt apps that extend the layer: the portal, and the example host app of the adoption kit.
for (const app of ['apps/portal', 'examples/host-app']) {
  try {
    await run(path.join(ROOT, 'node_modules/.bin/nuxt'), ['prepare'], { cwd: path.join(ROOT, app), quiet: true });
    await run(path.join(ROOT, 'node_modules/.bin/vue-tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: path.join(ROOT, app) });
    console.log(`typecheck ok: ${app} (vue-tsc, with the nuxt-realtime layer)`);
  } catch {
    failed = true;
    console.error(`typecheck FAILED: ${app}`);
  }
}
process.exit(failed ? 1 : 0);
