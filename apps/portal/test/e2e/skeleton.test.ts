import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eSystem, type E2eSystem } from './system';

// The walking skeleton in a real browser: log in, see "Conectado", post an event, see it on the page.
describe('portal end to end (Chromium)', () => {
  let sys: E2eSystem;
  beforeAll(async () => {
    sys = await startE2eSystem();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('shows an ingested deployment event live after logging in', async () => {
    const context = await sys.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${sys.portalUrl}/`);
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill('ana@acme.test');
    await page.getByTestId('login-password').fill('demo1234');
    await page.getByTestId('login-submit').click();
    const badge = page.getByTestId('connection-state');
    await expect.poll(() => badge.getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    expect(await badge.textContent()).toContain('Conectado');

    const posted = await sys.ingest({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'e2e-odoo-1', instanceType: 'odoo', currentStep: 'Iniciando despliegue' } });
    expect(posted.status).toBe(202);
    const row = page.locator(`[data-testid="event-row"][data-event-id="${posted.body.accepted[0]!.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain('e2e-odoo-1');
    // A reload shows the same events: the page loads the stored history, not only what arrived live.
    await page.reload();
    await row.waitFor({ timeout: 15_000 });
    await context.close();
  });

  it('a wrong password is said in the reader\'s language, not in the service\'s English detail', async () => {
    for (const [locale, expected] of [['es-MX', 'Correo o contraseña incorrectos.'], ['en', 'Wrong email or password.']] as const) {
      const context = await sys.browser.newContext();
      await context.addCookies([{ name: 'neo-locale', value: locale, url: sys.portalUrl }]);
      const page = await context.newPage();
      await page.goto(`${sys.portalUrl}/login`);
      await page.getByTestId('login-email').fill('ana@acme.test');
      await page.getByTestId('login-password').fill('nope');
      await page.getByTestId('login-submit').click();
      await expect.poll(() => page.getByTestId('login-error').textContent(), { timeout: 10_000 }).toContain(expected);
      expect(await page.getByTestId('login-error').textContent()).not.toContain('wrong email or password');
      await context.close();
    }
  });

  it('another tenant never sees the event', async () => {
    const context = await sys.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${sys.portalUrl}/login`);
    await page.getByTestId('login-email').fill('sofia@globex.test');
    await page.getByTestId('login-password').fill('demo1234');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    const acme = await sys.ingest({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'secret-acme', instanceType: 'wazuh' } });
    const globex = await sys.ingest({ type: 'deployment_start', tenantId: 'globex', data: { deploymentId: 'globex-1', instanceType: 'netbox' } });
    await page.locator(`[data-event-id="${globex.body.accepted[0]!.id}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator(`[data-event-id="${acme.body.accepted[0]!.id}"]`).count()).toBe(0);
    expect(await page.content()).not.toContain('secret-acme');
    await context.close();
  });
});
