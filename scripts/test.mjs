#!/usr/bin/env node
// `npm test`: sets up what the tests need (dependencies, Centrifugo, Chromium, builds), then runs the
// tiers one after another and prints each tier's result: `static` (lint and typecheck, as CI has no other
// step for them), then unit, integration and e2e. The unit and integration tiers then run again on Node 24
// (the current LTS; `--no-node24` leaves that out).
// Under CI=true a missing service or tool fails the run instead of skipping.
import { readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { ensureDependencies } from './lib/deps.mjs';
import { provisionCentrifugo } from './lib/centrifugo.mjs';
import { ensureChromium } from './lib/chromium.mjs';
import { ensurePromtool } from './lib/promtool.mjs';
import { buildAll } from './lib/build.mjs';
import { ROOT } from './lib/paths.mjs';
import { checkLocalServices } from './lib/services.mjs';
import { ensureNode24 } from './lib/node24.mjs';

const CI = process.env.CI === 'true';
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('-'));
const tiers = only.length > 0 ? only : ['static', 'unit', 'integration', 'e2e'];
/** Tiers that run a second time on Node 24; e2e stays on one Node (the browser is what it tests). */
const node24Tiers = args.includes('--no-node24') ? [] : tiers.filter((t) => t === 'unit' || t === 'integration');

await ensureDependencies();
process.env.CENTRIFUGO_BIN = await provisionCentrifugo();
const chromium = await ensureChromium();
if (chromium) process.env.CHROMIUM_PATH = chromium;
else if (CI) {
  console.error('npm test: Chromium is required under CI=true');
  process.exit(1);
}
if (tiers.includes('unit') && !(await ensurePromtool())) {
  if (CI) {
    console.error('npm test: promtool is required under CI=true (Debian package prometheus)');
    process.exit(1);
  }
  console.warn('\n!!! promtool is missing: the Prometheus config and alert-rule checks will SKIP !!!\n');
}
const node24 = node24Tiers.length > 0 ? await ensureNode24() : null;
if (node24Tiers.length > 0 && !node24) {
  if (CI) {
    console.error('npm test: Node 24 is required under CI=true (npm package node)');
    process.exit(1);
  }
  console.warn('\n!!! Node 24 is missing: the unit and integration tiers run on this Node only !!!\n');
}
await checkLocalServices({ ci: CI });
if (tiers.includes('e2e') || tiers.includes('integration')) await buildAll();

const resultsDir = path.join(ROOT, 'test-results');
mkdirSync(resultsDir, { recursive: true });

/** The `static` tier: `npm run lint` then `npm run typecheck`, each a check that passes or fails. */
async function runStatic() {
  let passed = 0;
  for (const script of ['lint', 'typecheck']) {
    const code = await new Promise((resolve) => spawn('npm', ['run', '-s', script], { cwd: ROOT, stdio: 'inherit', env: process.env }).on('exit', (c) => resolve(c ?? 1)));
    if (code !== 0) return { tier: 'static', code, passed, failed: 1, skipped: 0 };
    passed += 1;
  }
  return { tier: 'static', code: 0, passed, failed: 0, skipped: 0 };
}

/**
 * Runs one tier with vitest; returns its counts from the JSON report. With `nodeBin`, vitest runs on
 * that Node, and so does every service a test starts (they are spawned with `process.execPath`).
 */
function runTier(tier, { nodeBin = process.execPath, label = tier } = {}) {
  if (tier === 'static') return runStatic();
  return new Promise((resolve) => {
    const out = path.join(resultsDir, `${label.replace(/\W+/g, '-')}.json`);
    const env = nodeBin === process.execPath ? process.env : { ...process.env, PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}` };
    const child = spawn(nodeBin, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--project', tier, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], {
      cwd: ROOT,
      stdio: 'inherit',
      env,
    });
    child.on('exit', (code) => {
      let counts = { passed: 0, failed: 0, skipped: 0 };
      let failures = [];
      try {
        const report = JSON.parse(readFileSync(out, 'utf8'));
        counts = { passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + (report.numTodoTests ?? 0) };
        if (report.numFailedTestSuites > 0 && counts.failed === 0) counts.failed = report.numFailedTestSuites;
        failures = failuresOf(report);
      } catch {
        counts.failed = Math.max(1, counts.failed);
      }
      resolve({ tier: label, code: code ?? 1, ...counts, failures });
    });
  });
}

/**
 * What failed in a vitest JSON report, one line each: file, test and the first line of its error. The
 * summary prints them, so that the end of a long CI log (often all that is kept) names what failed.
 */
function failuresOf(report) {
  const lines = [];
  const firstLine = (text) => stripVTControlCharacters(String(text ?? '')).split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 240) ?? '';
  for (const file of report.testResults ?? []) {
    const name = path.relative(ROOT, file.name);
    const failed = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failed) lines.push(`${name} › ${t.fullName ?? t.title}: ${firstLine(t.failureMessages?.[0])}`);
    if (failed.length === 0 && file.status === 'failed') lines.push(`${name}: ${firstLine(file.message)}`);
  }
  return lines;
}

const results = [];
for (const tier of tiers) {
  console.log(`\n━━━ ${tier} tests ━━━`);
  results.push(await runTier(tier));
}
// One after another, not beside the Node 20 runs: the tiers share the local Postgres and two cores, and
// their timeouts are set for one run at a time. Together they add a few minutes to CI's 90.
if (node24) {
  for (const tier of node24Tiers) {
    const label = `${tier}@node24`;
    console.log(`\n━━━ ${tier} tests on Node 24 ━━━`);
    results.push(await runTier(tier, { nodeBin: node24, label }));
  }
}
console.log('\n━━━ summary ━━━');
for (const r of results) {
  console.log(`${r.tier.padEnd(18)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${r.code !== 0 ? '  (FAILED)' : ''}`);
  for (const line of r.failures ?? []) console.log(`  ✗ ${line}`);
}
const total = results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
const failed = results.some((r) => r.code !== 0) ? Math.max(1, total.failed) : total.failed;
console.log(`tests: ${total.passed} passed, ${failed} failed, ${total.skipped} skipped`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
