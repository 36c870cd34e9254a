#!/usr/bin/env node
// `npm run docker:dry-build [-- event-service|portal]`: builds the images' stages without a Docker engine
// (scripts/lib/docker-dry-build.mjs) into a temp folder it keeps, and says how to start what was built. It
// checks what the images are made of; `docker compose config` (the deploy tests) checks the compose file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dryBuild, IMAGES } from './lib/docker-dry-build.mjs';
import { ROOT } from './lib/paths.mjs';

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((a) => !(a in IMAGES));
if (unknown.length > 0) {
  console.error(`unknown image: ${unknown.join(', ')} (known: ${Object.keys(IMAGES).join(', ')})`);
  process.exit(2);
}
// Outside the repository: a built stage must not find the workspace's node_modules above it.
const out = mkdtempSync(path.join(tmpdir(), 'neo-dry-build-'));
let failed = false;
for (const name of asked.length > 0 ? asked : Object.keys(IMAGES)) {
  const started = Date.now();
  console.log(`\n${name} (${IMAGES[name]})`);
  try {
    const image = await dryBuild({ dockerfile: path.join(ROOT, IMAGES[name]), context: ROOT, outDir: path.join(out, name), log: console.log });
    console.log(`built in ${Math.round((Date.now() - started) / 1000)} s; its CMD, as the image would run it:`);
    console.log(`  cd ${image.workdir} && ${Object.entries(image.env).map(([k, v]) => `${k}=${v}`).join(' ')} ${image.cmd.join(' ')}`);
  } catch (err) {
    failed = true;
    console.error(`${name}: ${/** @type {Error} */ (err).message}`);
  }
}
process.exit(failed ? 1 : 0);
