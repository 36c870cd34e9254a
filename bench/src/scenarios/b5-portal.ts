import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { uuidv7 } from '@neo/contracts';
import { CHROMIUM_PATH } from '../../../scripts/lib/chromium.mjs';
import { startBenchSystem } from '../lib/bench-system';
import { median, round } from '../lib/stats';
import type { ScenarioContext } from './common';

export interface B5Result {
  js_gz_kb: number;
  ingest_to_dom_ms: number;
}

export interface B5Detail extends B5Result {
  js_raw_kb: number;
  js_files: number;
  events: number;
  ingest_to_dom_p95_ms: number;
  ingest_ack_median_ms: number;
}

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Installed in the page: stamps each event row with the epoch time (ms, high resolution) it was inserted,
 * in `window.__benchSeen[eventId]`. A string, not a function: tsx's transform would add helpers
 * (`__name`) that do not exist in the page.
 */
const OBSERVE_ROWS = `(() => {
  const seen = {};
  window.__benchSeen = seen;
  const stamp = (el) => {
    const id = el.getAttribute('data-event-id');
    if (id && seen[id] === undefined) seen[id] = performance.timeOrigin + performance.now();
  };
  new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) {
      if (!(node instanceof Element)) continue;
      if (node.matches('[data-testid="event-row"]')) stamp(node);
      node.querySelectorAll('[data-testid="event-row"]').forEach(stamp);
    }
  }).observe(document.body, { childList: true, subtree: true });
})()`;

async function logIn(browser: Browser, portalUrl: string): Promise<{ context: BrowserContext; page: Page }> {
  // bypassCSP: the portal's CSP has no 'unsafe-eval', and Playwright's string predicates (waitForFunction
  // below) are evaluated with eval in the page. The cold load that counts the JavaScript runs in its own
  // context, under the real CSP.
  const context = await browser.newContext({ locale: 'es-MX', bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${portalUrl}/login`);
  await page.getByTestId('login-email').fill('ana@acme.test');
  await page.getByTestId('login-password').fill('demo1234');
  await page.getByTestId('login-submit').click();
  await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 20_000 });
  return { context, page };
}

/**
 * B5: the JavaScript a cold load of /deployments fetches (every script response, gzipped here at level 6
 * as a server would), and the time from posting a deployment_start to its row in the live event list
 * of `/`. Both ends are read on the same clock (epoch ms from performance.timeOrigin + now(), in Node
 * and in the page): a MutationObserver in the page stamps each row as it is inserted.
 */
export async function runB5(ctx: ScenarioContext): Promise<B5Detail> {
  const events = ctx.quick ? 20 : 50;
  const sys = await startBenchSystem({ centrifugoBin: ctx.centrifugoBin, database: 'postgres', portal: true });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const { context, page } = await logIn(browser, sys.portalUrl);

    // Cold load of /deployments in a fresh context (empty cache) that holds the same login.
    const cold = await browser.newContext({ locale: 'es-MX', storageState: await context.storageState() });
    const coldPage = await cold.newPage();
    const scripts: Array<Promise<Buffer>> = [];
    coldPage.on('response', (res) => {
      if (res.request().resourceType() === 'script' && res.ok()) scripts.push(res.body());
    });
    await coldPage.goto(`${sys.portalUrl}/deployments`, { waitUntil: 'networkidle' });
    await coldPage.getByTestId('deployment-table').or(coldPage.getByTestId('deployments-empty')).first().waitFor({ timeout: 20_000 });
    const bodies = await Promise.all(scripts);
    await cold.close();
    const rawKb = bodies.reduce((s, b) => s + b.length, 0) / 1024;
    const gzKb = bodies.reduce((s, b) => s + gzipSync(b, { level: 6 }).length, 0) / 1024;

    // Ingest → DOM on the overview page, which lists the tenant's deployment events live.
    await page.goto(`${sys.portalUrl}/`);
    await page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 20_000 });
    await page.evaluate(OBSERVE_ROWS);
    const latencies: number[] = [];
    const acks: number[] = [];
    for (let i = 0; i < events + 3; i++) {
      const id = uuidv7();
      const sentAt = performance.timeOrigin + performance.now();
      const status = await sys.ingest({ id, type: 'deployment_start', tenantId: 'acme', data: { deploymentId: `dep-bench-${id.slice(-12)}`, instanceType: 'odoo', instanceName: `bench ${i}` } });
      if (status !== 202) throw new Error(`ingest ${status}`);
      const ackAt = performance.timeOrigin + performance.now();
      const seen = `window.__benchSeen[${JSON.stringify(id)}]`;
      await page.waitForFunction(`${seen} !== undefined`, undefined, { timeout: 10_000 });
      const shownAt = (await page.evaluate(seen)) as number;
      if (i >= 3) {
        // The first three are warm-up (first render paths, JIT).
        latencies.push(shownAt - sentAt);
        acks.push(ackAt - sentAt);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await context.close();
    const sorted = [...latencies].sort((a, b) => a - b);
    const detail: B5Detail = {
      js_gz_kb: round(gzKb),
      ingest_to_dom_ms: round(median(latencies)),
      js_raw_kb: round(rawKb),
      js_files: bodies.length,
      events,
      ingest_to_dom_p95_ms: round(sorted[Math.ceil(0.95 * sorted.length) - 1] ?? 0),
      ingest_ack_median_ms: round(median(acks)),
    };
    ctx.log(`  B5: ${detail.js_files} JS files, ${detail.js_gz_kb} KB gzipped; ingest → DOM median ${detail.ingest_to_dom_ms} ms`);
    return detail;
  } finally {
    await browser?.close();
    await sys.stop();
  }
}
