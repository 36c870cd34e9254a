import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHostApp } from '../../../../scripts/lib/build.mjs';
import { ROOT } from '../../../../scripts/lib/paths.mjs';
import { spawnService, stopChild, waitForHttp } from '../../../../scripts/lib/proc.mjs';
import { unknownElements } from './session';
import { startE2eSystem, type E2eSystem } from './system';

// The adoption kit's proof: examples/host-app (another team's Nuxt app) extends the layer, supplies
// platform tokens through its own provider (its own tiny token endpoint), and its one live widget
// updates when an event is published — built and driven here like any other app.
describe('example host app (Chromium)', () => {
  let sys: E2eSystem;
  let host: ReturnType<typeof spawnService> | undefined;
  let hostUrl = '';

  beforeAll(async () => {
    await buildHostApp({ log: () => {} });
    // The host app takes the portal's place (its port is the origin Centrifugo and CORS allow).
    sys = await startE2eSystem({ portal: false });
    host = spawnService('host-app', process.execPath, [path.join(ROOT, 'examples/host-app/.output/server/index.mjs')], {
      quiet: true,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(sys.ports.portal),
        NUXT_PUBLIC_API_BASE: `http://localhost:${sys.ports.service}`,
        NUXT_PUBLIC_CENTRIFUGO_WS: `ws://localhost:${sys.ports.centrifugo}/connection/websocket`,
        NUXT_PLATFORM_JWT_SECRET: sys.authJwtSecret,
      },
    });
    await waitForHttp(`http://127.0.0.1:${sys.ports.portal}/`, { child: host.child, name: 'host-app', timeoutMs: 30_000 });
    hostUrl = `http://localhost:${sys.ports.portal}`;
  });
  afterAll(async () => {
    if (host) await stopChild(host.child);
    await sys?.stop();
  });

  it('connects with the host’s own token and shows a published event live', async () => {
    const context = await sys.browser.newContext({ locale: 'es-MX' });
    const page = await context.newPage();
    const tokenRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/platform-token')) tokenRequests.push(request.url());
    });
    await page.goto(`${hostUrl}/`);
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
    expect(await page.getByTestId('host-user').textContent()).toContain('Ana Torres');
    // The token came from the host's provider; neither the demo login nor the OIDC routes were used.
    expect(tokenRequests.length).toBeGreaterThan(0);
    expect(page.url()).not.toContain('/login');

    const posted = await sys.ingest({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'host-widget-1', instanceType: 'netbox' } });
    expect(posted.status).toBe(202);
    const row = page.locator(`[data-testid="event-row"][data-event-id="${posted.body.accepted[0]!.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain('host-widget-1');
    // Another tenant's event never reaches the host's widget (the same policy as the portal).
    const other = await sys.ingest({ type: 'deployment_start', tenantId: 'globex', data: { deploymentId: 'host-globex-1', instanceType: 'odoo' } });
    const after = await sys.ingest({ type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'host-widget-1', progress: 40, currentStep: 'Instalando' } });
    await page.locator(`[data-event-id="${after.body.accepted[0]!.id}"]`).waitFor({ timeout: 15_000 });
    expect(await page.locator(`[data-event-id="${other.body.accepted[0]!.id}"]`).count()).toBe(0);
    expect(await page.evaluate(() => Object.keys(localStorage))).not.toContain('neo-auth');
    // The host uses the layer's components by their prefixed names (`<NeoConnectionBadge>`, …): all resolved.
    expect(await unknownElements(page)).toEqual([]);
    await context.close();
  });
});
