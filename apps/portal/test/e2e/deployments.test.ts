import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eSystem, type E2eSystem } from './system';
import { loggedIn } from './session';

// Use cases 1 and 2 in a real browser, with the demo deployer running (fast demo time, no failures).

describe('deployments and billing end to end (Chromium)', () => {
  let sys: E2eSystem;
  beforeAll(async () => {
    // ×4: a deployment takes ~5–10 s instead of 20–40 s, slow enough to reload in the middle.
    sys = await startE2eSystem({ deployer: { speed: 4 } });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('"Desplegar" Odoo from the UI, reload mid-way to the same state, and watch it reach 100 % "Completado"', async () => {
    const { context, page } = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await page.getByTestId('nav-deployments').click();
    await page.waitForURL(/\/deployments$/);
    await page.getByTestId('deploy-open').click();
    await page.getByTestId('deploy-type-odoo').click();
    await page.getByTestId('deploy-submit').click();
    await page.waitForURL(/\/deployments\/dep-/);
    const detail = page.getByTestId('deployment-detail');
    await detail.waitFor({ timeout: 20_000 });
    expect(await detail.textContent()).toContain('Odoo');

    // Mid-deployment: wait for some progress and logs, then reload and compare what is shown.
    const progress = page.getByTestId('deployment-progress');
    await expect.poll(async () => parseInt((await progress.textContent()) ?? '0', 10), { timeout: 20_000 }).toBeGreaterThan(0);
    const before = { progress: parseInt((await progress.textContent())!, 10), lines: await page.getByTestId('log-line').allTextContents() };
    await page.reload();
    await detail.waitFor({ timeout: 20_000 });
    const after = { progress: parseInt((await progress.textContent())!, 10), lines: await page.getByTestId('log-line').allTextContents() };
    // The deployment goes on during the reload: the reloaded view holds at least what was shown, in the same order.
    expect(after.progress).toBeGreaterThanOrEqual(before.progress);
    expect(after.lines.slice(0, before.lines.length)).toEqual(before.lines);

    await expect.poll(() => progress.textContent(), { timeout: 60_000 }).toBe('100 %');
    expect(await page.getByTestId('deployment-status').textContent()).toContain('Completado');
    // Live and reloaded agree at the end too: same log, no line twice.
    const liveLines = await page.getByTestId('log-line').allTextContents();
    expect(new Set(liveLines).size).toBe(liveLines.length);
    await page.reload();
    await detail.waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('log-line').allTextContents()).toEqual(liveLines);
    await context.close();
  });

  it('a billing event raises a toast and the badge; "mark all read" survives a reload and shows in a second context', async () => {
    const { context, page } = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await page.getByTestId('nav-billing').click();
    await page.waitForURL(/\/billing$/);
    const unread = page.getByTestId('billing-unread');
    await expect.poll(() => unread.getAttribute('data-count'), { timeout: 10_000 }).not.toBeNull();
    const initial = Number(await unread.getAttribute('data-count'));

    const posted = await sys.ingest({ type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: 'F-E2E-1', amount: 12345.6, currency: 'MXN' } });
    expect(posted.status).toBe(202);
    // The toast (Nuxt UI's toaster viewport), not only the row in the list.
    const toast = page.locator('[data-slot="viewport"] li').filter({ hasText: 'Nueva factura' });
    await toast.first().waitFor({ timeout: 15_000 });
    expect(await toast.first().textContent()).toContain('F-E2E-1');
    await expect.poll(() => unread.getAttribute('data-count'), { timeout: 10_000 }).toBe(String(initial + 1));
    const row = page.locator(`[data-notification-id="${posted.body.accepted[0]!.id}"]`);
    await row.waitFor();
    // es-MX currency formatting.
    expect(await row.textContent()).toContain(new Intl.NumberFormat('es-MX', { style: 'currency', currency: 'MXN' }).format(12345.6));
    // A usage sample below every threshold is stored but raises no notification.
    await sys.ingest({ type: 'billing_usage_alert', tenantId: 'acme', data: { resource: 'almacenamiento', usage: 10, limit: 100 } });

    await page.getByTestId('billing-mark-all').click();
    await expect.poll(() => unread.getAttribute('data-count'), { timeout: 10_000 }).toBe('0');
    await page.reload();
    await page.getByTestId('billing-centre').waitFor();
    await expect.poll(() => page.locator('[data-testid="notification"][data-read="false"]').count(), { timeout: 10_000 }).toBe(0);
    expect(await unread.getAttribute('data-count')).toBe('0');

    const second = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await second.page.goto(`${sys.portalUrl}/billing`);
    await second.page.locator(`[data-notification-id="${posted.body.accepted[0]!.id}"]`).waitFor({ timeout: 10_000 });
    expect(await second.page.locator(`[data-notification-id="${posted.body.accepted[0]!.id}"]`).getAttribute('data-read')).toBe('true');
    expect(await second.page.getByTestId('billing-unread').getAttribute('data-count')).toBe('0');
    await second.context.close();
    await context.close();
  });

  it('a user without billing:read sees no billing screen and gets 403 from its routes', async () => {
    const { context, page } = await loggedIn(sys.browser, sys.portalUrl, 'luis@acme.test');
    expect(await page.getByTestId('nav-billing').count()).toBe(0);
    expect(await page.getByTestId('billing-bell').count()).toBe(0);
    await page.goto(`${sys.portalUrl}/billing`);
    await page.waitForURL((url) => !url.pathname.startsWith('/billing'), { timeout: 10_000 });
    expect(await page.getByTestId('billing-centre').count()).toBe(0);
    const token = await page.evaluate(() => (JSON.parse(localStorage.getItem('neo-auth') ?? '{}') as { token?: string }).token ?? '');
    const res = await fetch(`${sys.serviceUrl}/v1/tenants/acme/notifications`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { reason: string }).reason).toBe('missing_permission');
    // Twin: deployments, which luis may read, answer 200 — and there is no "Desplegar" without deploy:write.
    expect((await fetch(`${sys.serviceUrl}/v1/tenants/acme/deployments`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    await page.goto(`${sys.portalUrl}/deployments`);
    await page.getByTestId('deployment-table').or(page.getByTestId('deployments-empty')).first().waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('deploy-open').count()).toBe(0);
    await context.close();
  });
});
