import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startE2eSystem, type E2eSystem } from './system';
import { loggedIn } from './session';

// Issue 16 in a real browser, what a tenant reads: alert and failure texts in their language (item 6),
// the size of a deployment and an invoice's due date (item 8), instances online / stale / offline (item 2).

const toasts = (page: Page) => page.locator('[data-slot="viewport"] li');

describe('issue 16: texts, sizes, due dates and instance status end to end (Chromium)', () => {
  let sys: E2eSystem;
  beforeAll(async () => {
    // The deployer fast (×4) and without failures; instances looked at every second.
    sys = await startE2eSystem({ deployer: { speed: 4 }, env: { INSTANCE_WATCH_MS: '1000' } });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('an alert and a failed deployment are worded from code + params in es-MX and in English, never with the server text', async () => {
    const alertId = `al-e2e-${Date.now()}`;
    const { context, page } = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await page.getByTestId('nav-dashboard').click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByTestId('alert-list').waitFor({ timeout: 15_000 });
    // The fallback texts are deliberately not what either language says: whatever shows them is a fallback leak.
    const alert = await sys.ingest({
      type: 'alert',
      tenantId: 'acme',
      data: { alertId, instanceId: 'inst-texts', rule: 'instance_cpu_high', severity: 'critical', message: 'SERVER-FALLBACK-ALERT', code: 'instance_cpu_high', params: { value: 97.5, threshold: 90 }, value: 97.5, threshold: 90 },
    });
    expect(alert.status).toBe(202);
    const message = page.locator(`[data-testid="alert"][data-alert-id="${alertId}"] [data-testid="alert-message"]`);
    await message.waitFor({ timeout: 15_000 });
    expect(await message.textContent()).toBe('CPU de la instancia al 97.5 % (umbral 90 %)');
    // A code this portal does not know: the producer's text is all there is.
    const unknownId = `${alertId}-unknown`;
    expect((await sys.ingest({ type: 'alert', tenantId: 'acme', data: { alertId: unknownId, rule: 'custom', severity: 'info', message: 'Backup window started', code: 'backup_window_started' } })).status).toBe(202);
    const unknown = page.locator(`[data-testid="alert"][data-alert-id="${unknownId}"] [data-testid="alert-message"]`);
    await unknown.waitFor({ timeout: 15_000 });
    expect(await unknown.textContent()).toBe('Backup window started');

    // A failed deployment with a code: detail and list, in Spanish.
    const deploymentId = `dep-e2e-texts-${Date.now()}`;
    expect((await sys.ingest({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId, instanceType: 'netbox', steps: ['Aplicando migraciones'] } })).status).toBe(202);
    expect((await sys.ingest({ type: 'deployment_error', tenantId: 'acme', data: { deploymentId, error: 'SERVER-FALLBACK-ERROR', code: 'database_timeout', params: { step: 'Aplicando migraciones' }, currentStep: 'Aplicando migraciones' } })).status).toBe(202);
    await page.goto(`${sys.portalUrl}/deployments/${deploymentId}`);
    const error = page.getByTestId('deployment-error');
    await error.waitFor({ timeout: 15_000 });
    expect(await error.textContent()).toContain('Tiempo de espera agotado al conectar con la base de datos (paso «Aplicando migraciones»)');
    expect(await page.locator('body').textContent()).not.toContain('SERVER-FALLBACK');

    // English: the same facts worded in English, still not the server's text.
    await page.getByTestId('locale-en').click();
    await expect.poll(() => error.textContent(), { timeout: 5_000 }).toContain('Timed out connecting to the database (step “Aplicando migraciones”)');
    await page.goto(`${sys.portalUrl}/deployments`);
    const rowError = page.locator(`[data-testid="deployment-row"][data-deployment-id="${deploymentId}"] [data-testid="deployment-row-error"]`);
    await rowError.waitFor({ timeout: 15_000 });
    expect(await rowError.textContent()).toBe('Timed out connecting to the database (step “Aplicando migraciones”)');
    await page.goto(`${sys.portalUrl}/dashboard`);
    await message.waitFor({ timeout: 15_000 });
    expect(await message.textContent()).toBe('Instance CPU at 97.5 % (threshold 90 %)');
    expect(await page.locator('body').textContent()).not.toContain('SERVER-FALLBACK');
    // And back: a reload in Spanish reads the stored alert (the read route carries the code too).
    await page.getByTestId('locale-es-MX').click();
    await page.reload();
    await message.waitFor({ timeout: 15_000 });
    expect(await message.textContent()).toBe('CPU de la instancia al 97.5 % (umbral 90 %)');
    await context.close();
  });

  it('the deploy dialog sends the size chosen, and the list and detail show it; an invoice shows its due date in the list and the toast', async () => {
    const { context, page } = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await page.getByTestId('nav-deployments').click();
    await page.waitForURL(/\/deployments$/);
    await page.getByTestId('deploy-open').click();
    await page.getByTestId('deploy-type-wazuh').click();
    expect(await page.getByTestId('deploy-size-medium').getAttribute('aria-checked')).toBe('true');
    await page.getByTestId('deploy-size-large').click();
    await page.getByTestId('deploy-submit').click();
    await page.waitForURL(/\/deployments\/dep-/);
    const deploymentId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    // The size travels request → deployer → deployment_start → the state the portal shows.
    const size = page.locator('[data-testid="deployment-detail"] [data-testid="deployment-size"]');
    await size.waitFor({ timeout: 30_000 });
    expect(await size.getAttribute('data-size')).toBe('large');
    expect(await size.textContent()).toContain('Grande');
    await page.getByTestId('nav-deployments').click();
    const rowSize = page.locator(`[data-testid="deployment-row"][data-deployment-id="${deploymentId}"] [data-testid="deployment-size"]`);
    await rowSize.waitFor({ timeout: 15_000 });
    expect(await rowSize.textContent()).toBe('Grande');

    await page.getByTestId('nav-billing').click();
    await page.waitForURL(/\/billing$/);
    await page.getByTestId('billing-centre').waitFor({ timeout: 10_000 });
    const posted = await sys.ingest({ type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: 'F-E2E-DUE', amount: 990, currency: 'MXN', dueDate: '2027-01-15' } });
    expect(posted.status).toBe(202);
    const id = posted.body.accepted[0]!.id;
    const toast = toasts(page).filter({ hasText: 'F-E2E-DUE' });
    await toast.first().waitFor({ timeout: 15_000 });
    const dueEs = new Date('2027-01-15T00:00:00Z').toLocaleDateString('es-MX', { dateStyle: 'medium', timeZone: 'UTC' });
    expect(await toast.first().textContent()).toContain(`Vence el ${dueEs}`);
    const due = page.locator(`[data-testid="notification"][data-notification-id="${id}"] [data-testid="notification-due"]`);
    await due.waitFor({ timeout: 10_000 });
    expect(await due.getAttribute('data-due-date')).toBe('2027-01-15');
    expect(await due.textContent()).toBe(`Vence el ${dueEs}`);
    await page.getByTestId('locale-en').click();
    await expect.poll(() => due.textContent(), { timeout: 5_000 }).toBe('Due Jan 15, 2027');
    await context.close();
  });

  it('an instance that reports is online and counted active; when it stops it turns stale, then offline, live', async () => {
    const { context, page } = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await page.getByTestId('nav-dashboard').click();
    await page.waitForURL(/\/dashboard$/);
    const instanceId = `inst-e2e-status-${Date.now()}`;
    // Four reports a second apart teach the service a 1 s interval: stale after 15 s, offline after 60 s (the floors).
    for (let i = 0; i < 4; i++) {
      expect((await sys.ingest({ type: 'metrics_update', tenantId: 'acme', data: { instanceId, cpu: 20, memory: 30, disk: 40, networkIn: 1, networkOut: 1, uptime: 60 + i } })).status).toBe(202);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const card = page.locator(`[data-testid="instance-metrics"][data-instance-id="${instanceId}"]`);
    await card.waitFor({ timeout: 10_000 });
    const status = card.getByTestId('instance-status');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 10_000 }).toBe('online');
    expect(await status.textContent()).toContain('En línea');
    // Counted from the read route (a reload), so this figure is the service's, not the page's own tally.
    await page.reload();
    await card.waitFor({ timeout: 15_000 });
    const active = page.getByTestId('active-instances');
    // The figure counts exactly the instances shown online (the deployer's own instances may come and go
    // meanwhile, so it is compared with the page, not with a number read earlier).
    const activeMatchesPage = async () => Number(await active.getAttribute('data-count')) - (await page.locator('[data-testid="instance-status"][data-status="online"]').count());
    await expect.poll(async () => Number(await active.getAttribute('data-count')), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(activeMatchesPage, { timeout: 5_000 }).toBe(0);

    // It stops reporting: announced stale, then offline, while the page stays open (no reload).
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 30_000, interval: 500 }).toBe('stale');
    expect(await status.textContent()).toContain('Sin reportar');
    await expect.poll(activeMatchesPage, { timeout: 5_000 }).toBe(0);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000, interval: 1_000 }).toBe('offline');
    expect(await status.textContent()).toContain('Fuera de línea');

    // A new report brings it back online, live.
    expect((await sys.ingest({ type: 'metrics_update', tenantId: 'acme', data: { instanceId, cpu: 21, memory: 30, disk: 40, networkIn: 1, networkOut: 1, uptime: 200 } })).status).toBe(202);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 15_000 }).toBe('online');
    await expect.poll(activeMatchesPage, { timeout: 5_000 }).toBe(0);
    await context.close();
  }, 150_000);
});
