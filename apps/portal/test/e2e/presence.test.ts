import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../../../scripts/lib/chromium.mjs';
import { startE2eSystem, type E2eSystem } from './system';
import { apiToken, loggedIn } from './session';

// Use case 4 in real browsers: presence that tells the truth, across users, tenants, tabs and crashes.

/** Sweeps every second, so that "gone" is visible within a second or two of the last connection going. */
const SWEEP_MS = 1_000;

const member = (page: Page, userId: string) => page.locator(`[data-testid="presence-panel"] [data-testid="presence-member"][data-user-id="${userId}"]`);

interface PresenceAnswer {
  members: Array<{ userId: string; status: string; connections: number; currentPage: string | null; lastSeen: string }>;
}

async function presenceOf(serviceUrl: string, token: string, tenantId: string): Promise<PresenceAnswer> {
  const res = await fetch(`${serviceUrl}/v1/tenants/${tenantId}/presence`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as PresenceAnswer;
}

describe('presence end to end (Chromium)', () => {
  let sys: E2eSystem;
  beforeAll(async () => {
    sys = await startE2eSystem({ env: { PRESENCE_SWEEP_MS: String(SWEEP_MS) } });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('two members of acme see each other arrive, go busy, go idle and come back, and leave; globex sees none of it', async () => {
    const ana = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await ana.page.goto(`${sys.portalUrl}/dashboard`);
    await member(ana.page, 'u-ana').waitFor({ timeout: 15_000 });
    // Me first.
    expect(await ana.page.locator('[data-testid="presence-panel"] [data-testid="presence-member"]').first().getAttribute('data-user-id')).toBe('u-ana');

    const luis = await loggedIn(sys.browser, sys.portalUrl, 'luis@acme.test');
    await luis.page.goto(`${sys.portalUrl}/dashboard`);
    // Arrival: online, on the page they are on.
    await expect.poll(() => member(ana.page, 'u-luis').getAttribute('data-status'), { timeout: 15_000 }).toBe('online');
    await expect.poll(() => member(ana.page, 'u-luis').getByTestId('presence-member-page').textContent(), { timeout: 10_000 }).toBe('/dashboard');
    await expect.poll(() => member(luis.page, 'u-ana').getAttribute('data-status'), { timeout: 15_000 }).toBe('online');

    // Busy, set by luis from the header's menu.
    await luis.page.getByTestId('presence-status-menu').click();
    await luis.page.getByTestId('presence-choose-busy').click();
    await expect.poll(() => luis.page.getByTestId('presence-status-menu').getAttribute('data-status'), { timeout: 5_000 }).toBe('busy');
    await expect.poll(() => member(ana.page, 'u-luis').getAttribute('data-status'), { timeout: 10_000 }).toBe('busy');

    // Idle: a 2 s timeout for luis's browser only; no input → away; input again → back to busy.
    await luis.page.evaluate(() => localStorage.setItem('neo-idle-ms', '2000'));
    await luis.page.reload();
    await expect.poll(() => member(ana.page, 'u-luis').getAttribute('data-status'), { timeout: 15_000 }).toBe('away');
    await luis.page.mouse.move(50, 50);
    await luis.page.mouse.move(120, 90);
    await expect.poll(() => member(ana.page, 'u-luis').getAttribute('data-status'), { timeout: 10_000 }).toBe('busy');

    // Another tenant sees none of it, and may not ask.
    const sofia = await loggedIn(sys.browser, sys.portalUrl, 'sofia@globex.test');
    await sofia.page.goto(`${sys.portalUrl}/dashboard`);
    await member(sofia.page, 'u-sofia').waitFor({ timeout: 15_000 });
    expect(await sofia.page.locator('[data-testid="presence-member"][data-user-id="u-ana"], [data-testid="presence-member"][data-user-id="u-luis"]').count()).toBe(0);
    const sofiaToken = await apiToken(sys.serviceUrl, 'sofia@globex.test');
    expect((await fetch(`${sys.serviceUrl}/v1/tenants/acme/presence`, { headers: { authorization: `Bearer ${sofiaToken}` } })).status).toBe(403);
    // …and acme does not see sofia.
    expect(await member(ana.page, 'u-sofia').count()).toBe(0);

    // Leaving: luis's browser context closes; ana sees him offline, with a last seen, within the sweep.
    await luis.context.close();
    const closedAt = Date.now();
    await expect.poll(() => member(ana.page, 'u-luis').getAttribute('data-status'), { timeout: 10_000 }).toBe('offline');
    console.log(`[presence] context closed → offline in ana's widget after ${Date.now() - closedAt} ms`);
    // The leave flips the status at once; the last-seen label follows with the sweep's presence_update.
    await expect.poll(() => member(ana.page, 'u-luis').textContent(), { timeout: 10_000 }).toMatch(/visto/);
    expect(await member(sofia.page, 'u-luis').count()).toBe(0);
    await sofia.context.close();
    await ana.context.close();
  });

  it('a user with two tabs shows once, with two connections; closing one keeps them online', async () => {
    const ana = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await ana.page.goto(`${sys.portalUrl}/dashboard`);
    const secondTab = await ana.context.newPage();
    await secondTab.goto(`${sys.portalUrl}/deployments`);
    await expect.poll(() => secondTab.getByTestId('connection-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');

    const luis = await loggedIn(sys.browser, sys.portalUrl, 'luis@acme.test');
    await luis.page.goto(`${sys.portalUrl}/dashboard`);
    await expect.poll(() => member(luis.page, 'u-ana').getAttribute('data-connections'), { timeout: 15_000 }).toBe('2');
    expect(await member(luis.page, 'u-ana').count()).toBe(1);
    expect(await member(luis.page, 'u-ana').getAttribute('data-status')).toBe('online');

    await secondTab.close();
    await expect.poll(() => member(luis.page, 'u-ana').getAttribute('data-connections'), { timeout: 15_000 }).toBe('1');
    // Still online after a couple of sweeps: one tab is enough.
    await new Promise((r) => setTimeout(r, 2 * SWEEP_MS + 500));
    expect(await member(luis.page, 'u-ana').getAttribute('data-status')).toBe('online');
    expect(await member(luis.page, 'u-ana').count()).toBe(1);
    await luis.context.close();
    await ana.context.close();
  });

  it('a status outside the set, or a page name too long, is refused and nothing is stored', async () => {
    const token = await apiToken(sys.serviceUrl, 'luis@acme.test');
    const put = (body: unknown) => fetch(`${sys.serviceUrl}/v1/tenants/acme/presence/me`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const before = (await presenceOf(sys.serviceUrl, token, 'acme')).members.find((m) => m.userId === 'u-luis');
    expect((await put({ status: 'offline' })).status).toBe(400);
    expect((await put({ status: 'sleeping' })).status).toBe(400);
    expect((await put({ status: 'busy', currentPage: 'x'.repeat(201) })).status).toBe(400);
    const after = (await presenceOf(sys.serviceUrl, token, 'acme')).members.find((m) => m.userId === 'u-luis');
    expect(after?.status).toBe(before?.status);
    // Twin: a valid body is accepted.
    expect((await put({ status: 'busy', currentPage: '/ok' })).status).toBe(200);
    // Nobody sets someone else's tenant.
    expect((await fetch(`${sys.serviceUrl}/v1/tenants/globex/presence/me`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'online' }) })).status).toBe(403);
  });

  it('measures how long a browser gone without goodbye stays in GET /v1/tenants/acme/presence', async () => {
    const token = await apiToken(sys.serviceUrl, 'ana@acme.test');
    const luisRow = async () => (await presenceOf(sys.serviceUrl, token, 'acme')).members.find((m) => m.userId === 'u-luis');
    const figures: Record<string, number> = {};
    // frozen: SIGSTOP of the whole Chromium process group, like a laptop lid closed (no FIN is ever sent);
    // killed: SIGKILL of the browser (the OS closes its sockets); closed: browser.close().
    for (const how of ['frozen (SIGSTOP)', 'killed (SIGKILL)', 'closed (browser.close())'] as const) {
      // A browser of its own (launchServer gives its process), playwright's pipe is not its network.
      const server = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
      const browser = await chromium.connect(server.wsEndpoint());
      const pid = server.process().pid!;
      try {
        const luis = await loggedIn(browser, sys.portalUrl, 'luis@acme.test');
        await luis.page.goto(`${sys.portalUrl}/dashboard`);
        await expect.poll(async () => (await luisRow())?.connections ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
        const t0 = Date.now();
        // Chromium is started detached: its pid leads its process group (renderers, network service).
        if (how.startsWith('frozen')) process.kill(-pid, 'SIGSTOP');
        else if (how.startsWith('killed')) process.kill(-pid, 'SIGKILL');
        else await browser.close();
        await expect.poll(async () => {
          const row = await luisRow();
          return row ? `${row.connections}/${row.status}` : 'absent';
        }, { timeout: 150_000, interval: 100 }).toBe('0/offline');
        figures[how] = Date.now() - t0;
      } finally {
        try {
          process.kill(-pid, 'SIGKILL');
          process.kill(-pid, 'SIGCONT');
        } catch {
          // already gone
        }
        await browser.close().catch(() => {});
        await server.close().catch(() => {});
      }
    }
    console.log(`[presence] gone without goodbye → out of GET /v1/tenants/acme/presence after: ${Object.entries(figures).map(([how, ms]) => `${how} ${ms} ms`).join(', ')} (sweep ${SWEEP_MS} ms)`);
    for (const ms of Object.values(figures)) expect(ms).toBeLessThan(150_000);
  }, 600_000);
});
