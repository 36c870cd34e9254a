import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startE2eSystem, type E2eSystem } from './system';
import { apiToken, loggedIn } from './session';

// Use case 3 in a real browser: the operators' and the tenant's live dashboards.

const points = async (page: Page, chart: string) => Number(await page.locator(`[data-testid="${chart}"] [data-testid="time-series-chart"]`).getAttribute('data-points'));
const cpuOf = (page: Page, scope = page.locator('body')) => scope.locator('[data-testid="metric-card"][data-metric="cpu"] [data-testid="metric-value"]').first().getAttribute('data-value');

function instanceMetrics(instanceId: string, cpu: number) {
  return { type: 'metrics_update', tenantId: 'acme', data: { instanceId, cpu, memory: 40, disk: 55, networkIn: 120_000, networkOut: 64_000, uptime: 3_600 } };
}

describe('live dashboards end to end (Chromium)', () => {
  let sys: E2eSystem;
  beforeAll(async () => {
    sys = await startE2eSystem({ env: { HOST_METRICS_INTERVAL_MS: '1000', TENANT_ALERT_FOR_SECONDS: '1', PRESENCE_SWEEP_MS: '1000' } });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('admin: the charts have points on first paint, the CPU figure changes live, and coming back keeps the picture', async () => {
    // Some host samples in history before the page opens.
    const token = await apiToken(sys.serviceUrl, 'admin@neo.test');
    await expect.poll(async () => {
      const res = await fetch(`${sys.serviceUrl}/v1/history?channel=admin:metrics&limit=10`, { headers: { authorization: `Bearer ${token}` } });
      return ((await res.json()) as { items: unknown[] }).items.length;
    }, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);

    const { context, page } = await loggedIn(sys.browser, sys.portalUrl, 'admin@neo.test');
    expect(await page.getByTestId('nav-dashboard').count()).toBe(0);
    await page.getByTestId('nav-admin').click();
    await page.waitForURL(/\/admin$/);
    const cpuChart = page.locator('[data-testid="cpu-chart"] [data-testid="time-series-chart"]');
    await cpuChart.waitFor({ timeout: 15_000 });
    // First paint: filled from history (≥ 3 samples were stored), a uPlot canvas drawn.
    expect(await points(page, 'cpu-chart')).toBeGreaterThanOrEqual(3);
    expect(await points(page, 'network-chart')).toBeGreaterThanOrEqual(3);
    await page.locator('[data-testid="cpu-chart"] canvas').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="network-chart"] canvas').count()).toBeGreaterThan(0);

    const first = await cpuOf(page);
    expect(first).toMatch(/^\d+(\.\d)?$/);
    const firstPoints = await points(page, 'cpu-chart');
    // Live: new samples every second; the figure is a real reading, so it moves.
    await expect.poll(() => points(page, 'cpu-chart'), { timeout: 10_000 }).toBeGreaterThan(firstPoints);
    await expect.poll(() => cpuOf(page), { timeout: 30_000 }).not.toBe(first);

    // Tenants overview and the alerts list are there (empty or not, but not loading).
    await page.locator('[data-testid="tenant-row"][data-tenant-id="acme"]').waitFor({ timeout: 15_000 });
    await page.getByTestId('alert-list').locator('[data-testid="alert"], [data-testid="alerts-empty"]').first().waitFor({ timeout: 10_000 });

    // Away and back: the picture is kept (at least as many points, at once), then it goes on.
    const before = await points(page, 'cpu-chart');
    await page.getByTestId('app-name').click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.getByTestId('nav-admin').click();
    await page.waitForURL(/\/admin$/);
    await cpuChart.waitFor();
    expect(await points(page, 'cpu-chart')).toBeGreaterThanOrEqual(before);
    await context.close();
  });

  it('tenant: a synthetic CPU over the threshold opens ONE alert on the dashboard, and its recovery resolves it', async () => {
    const { context, page } = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    expect(await page.getByTestId('nav-admin').count()).toBe(0);
    await page.getByTestId('nav-dashboard').click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByTestId('alert-list').waitFor({ timeout: 15_000 });
    const instanceId = `inst-e2e-${Date.now()}`;
    const alerts = page.locator('[data-testid="alert"]');
    const before = await alerts.count();

    // Hot for longer than the rule's duration (1 s in this system), several samples.
    const send = async (cpu: number) => expect((await sys.ingest(instanceMetrics(instanceId, cpu))).status).toBe(202);
    for (let i = 0; i < 6; i++) {
      await send(97);
      await new Promise((r) => setTimeout(r, 500));
    }
    const card = page.locator(`[data-testid="instance-metrics"][data-instance-id="${instanceId}"]`);
    await card.waitFor({ timeout: 10_000 });
    expect(await cpuOf(page, card)).toBe('97.0');
    expect(await card.locator('[data-testid="metric-card"][data-metric="cpu"]').getAttribute('data-level')).toBe('critical');
    await expect.poll(() => page.locator('[data-testid="alert"][data-state="open"]').count(), { timeout: 15_000 }).toBe(1);
    // Still hot: the same alert is updated, not opened again.
    for (let i = 0; i < 4; i++) {
      await send(98);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await page.locator('[data-testid="alert"][data-state="open"]').count()).toBe(1);
    expect(await alerts.count()).toBe(before + 1);
    const alertId = await page.locator('[data-testid="alert"][data-state="open"]').getAttribute('data-alert-id');
    expect(await page.locator('[data-testid="alert"][data-state="open"] [data-testid="alert-severity"]').textContent()).toMatch(/Crítica|Advertencia/);

    // Recovery: back to 10 % until the alert resolves (hysteresis may want a few calm samples).
    let resolved = false;
    for (let i = 0; i < 40 && !resolved; i++) {
      await send(10);
      await new Promise((r) => setTimeout(r, 500));
      resolved = (await page.locator(`[data-testid="alert"][data-alert-id="${alertId}"]`).getAttribute('data-state')) === 'resolved';
    }
    expect(resolved).toBe(true);
    expect(await page.locator('[data-testid="alert"][data-state="open"]').count()).toBe(0);
    expect(await alerts.count()).toBe(before + 1);
    await expect.poll(() => cpuOf(page, card), { timeout: 5_000 }).toBe('10.0');

    // The instance chart was filled: points for this instance once it is the one shown.
    await expect.poll(() => points(page, 'cpu-chart'), { timeout: 5_000 }).toBeGreaterThan(0);

    // A reload shows the same: the alert is stored, resolved.
    await page.reload();
    await page.locator(`[data-testid="alert"][data-alert-id="${alertId}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator(`[data-testid="alert"][data-alert-id="${alertId}"]`).getAttribute('data-state')).toBe('resolved');
    await context.close();
  });

  it('a member without alerts:read sees the metrics but no alerts, and no admin view', async () => {
    const { context, page } = await loggedIn(sys.browser, sys.portalUrl, 'luis@acme.test');
    await page.getByTestId('nav-dashboard').click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByTestId('alerts-forbidden').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('alert-list').count()).toBe(0);
    expect(await page.getByTestId('nav-admin').count()).toBe(0);
    await page.goto(`${sys.portalUrl}/admin`);
    await page.getByTestId('admin-only').waitFor({ timeout: 10_000 });
    await context.close();
  });
});
