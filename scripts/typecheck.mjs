#!/usr/bin/env node
// `npm run typecheck`: strict TypeScript over every workspace; the portal through vue-tsc.
import path from 'node:path';
import { ROOT } from './lib/paths.mjs';
import { run } from './lib/proc.mjs';

const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
const projects = ['packages/contracts', 'packages/publisher-sdk', 'apps/event-service', 'apps/demo-deployer', 'bench', 'scripts'];
let failed = false;
for (const project of projects) {
  try {
    await run(tsc, ['-p', path.join(ROOT, project, 'tsconfig.json')], { cwd: ROOT });
    console.log(`typecheck ok: ${project}`);
  } catch {
    failed = true;
    console.error(`typecheck FAILED: ${project}`);
  }
}
try {
  await run(path.join(ROOT, 'node_modules/.bin/nuxt'), ['prepare'], { cwd: path.join(ROOT, 'apps/portal'), quiet: true });
  await run(path.join(ROOT, 'node_modules/.bin/vue-tsc'), ['--noEmit', '-p', 'tsconfig.json'], { cwd: path.join(ROOT, 'apps/portal') });
  console.log('typecheck ok: apps/portal (vue-tsc, with the nuxt-realtime layer)');
} catch {
  failed = true;
  console.error('typecheck FAILED: apps/portal');
}
process.exit(failed ? 1 : 0);
