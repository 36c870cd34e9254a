import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startE2eSystem, type E2eSystem } from './system';
import { loggedIn } from './session';

// Issue 16 in a real browser, what goes live between people and devices: read state on every device
// (item 5), one presence status across devices with join/leave notices (item 3), history across every
// readable channel (item 4).

const toasts = (page: Page) => page.locator('[data-slot="viewport"] li');
const member = (page: Page, userId: string) => page.locator(`[data-testid="presence-panel"] [data-testid="presence-member"][data-user-id="${userId}"]`);
const unreadOf = async (page: Page) => Number(await page.getByTestId('billing-unread').getAttribute('data-count'));

describe('issue 16: read state, presence across devices and history end to end (Chromium)', () => {
  let sys: E2eSystem;
  beforeAll(async () => {
    sys = await startE2eSystem({ env: { PRESENCE_SWEEP_MS: '1000' } });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('marking read in one browser updates the badge and the list in the other browser of the same user, without a reload', async () => {
    const first = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    const second = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    for (const { page } of [first, second]) {
      await page.getByTestId('nav-billing').click();
      await page.waitForURL(/\/billing$/);
      await page.getByTestId('billing-centre').waitFor({ timeout: 10_000 });
    }
    const ids: string[] = [];
    for (const invoiceId of ['F-E2E-RS-1', 'F-E2E-RS-2', 'F-E2E-RS-3']) {
      const posted = await sys.ingest({ type: 'billing_invoice', tenantId: 'acme', data: { invoiceId, amount: 100, currency: 'MXN' } });
      expect(posted.status).toBe(202);
      ids.push(posted.body.accepted[0]!.id);
    }
    const row = (page: Page, id: string) => page.locator(`[data-testid="notification"][data-notification-id="${id}"]`);
    for (const { page } of [first, second]) for (const id of ids) await row(page, id).waitFor({ timeout: 15_000 });
    await expect.poll(() => unreadOf(second.page), { timeout: 10_000 }).toBe(await unreadOf(first.page));
    const before = await unreadOf(second.page);
    expect(before).toBeGreaterThanOrEqual(3);

    // One mark in the first browser: the second follows, list and badge.
    await row(first.page, ids[1]!).getByTestId('notification-mark-read').click();
    await expect.poll(() => row(second.page, ids[1]!).getAttribute('data-read'), { timeout: 10_000 }).toBe('true');
    await expect.poll(() => unreadOf(second.page), { timeout: 5_000 }).toBe(before - 1);
    expect(await row(second.page, ids[0]!).getAttribute('data-read')).toBe('false');

    // Read-all in the second browser: the first follows.
    await second.page.getByTestId('billing-mark-all').click();
    await expect.poll(() => unreadOf(first.page), { timeout: 10_000 }).toBe(0);
    for (const id of ids) expect(await row(first.page, id).getAttribute('data-read')).toBe('true');

    // Another member's marks are theirs: luis has no billing:read, sofia is another tenant; a new invoice is unread for ana again.
    const posted = await sys.ingest({ type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: 'F-E2E-RS-4', amount: 100, currency: 'MXN' } });
    await expect.poll(() => unreadOf(first.page), { timeout: 10_000 }).toBe(1);
    await row(second.page, posted.body.accepted[0]!.id).waitFor({ timeout: 10_000 });
    await first.context.close();
    await second.context.close();
  });

  it('teammates get a brief notice when someone comes online or leaves, never about themselves; busy on one device shows on every device', async () => {
    const ana = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await ana.page.goto(`${sys.portalUrl}/dashboard`);
    await member(ana.page, 'u-ana').waitFor({ timeout: 15_000 });

    const luis = await loggedIn(sys.browser, sys.portalUrl, 'luis@acme.test');
    await luis.page.goto(`${sys.portalUrl}/dashboard`);
    const joined = toasts(ana.page).filter({ hasText: 'Luis Pérez se conectó' });
    await joined.first().waitFor({ timeout: 15_000 });
    // The close button's icon (Nuxt UI's `i-lucide-x`) is not in the client bundle: @nuxt/icon's runtime,
    // loaded on demand by app/components/Icon.vue, fetches it from the portal and draws it as a CSS mask.
    const closeIcon = joined.first().locator('span.iconify');
    await expect
      .poll(() => closeIcon.first().evaluate((el) => getComputedStyle(el).maskImage || getComputedStyle(el).webkitMaskImage), { timeout: 10_000 })
      .toMatch(/^url\(/);
    // Never about oneself: luis sees ana (already here, no notice) and nothing about luis.
    await member(luis.page, 'u-ana').waitFor({ timeout: 15_000 });
    expect(await toasts(luis.page).filter({ hasText: 'Luis Pérez' }).count()).toBe(0);
    // Brief: it goes away by itself.
    await expect.poll(() => joined.count(), { timeout: 15_000 }).toBe(0);

    // A second device of ana (another browser profile: its own device id).
    const anaPhone = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    await anaPhone.page.goto(`${sys.portalUrl}/dashboard`);
    await member(anaPhone.page, 'u-ana').waitFor({ timeout: 15_000 });
    const deviceIds = await Promise.all([ana.page, anaPhone.page].map((p) => p.evaluate(() => localStorage.getItem('neo-device-id'))));
    expect(deviceIds[0]).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(deviceIds[1]).not.toBe(deviceIds[0]);
    // Her second device joining is no news to luis: ana was online already.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await toasts(luis.page).filter({ hasText: 'Ana Torres se conectó' }).count()).toBe(0);

    // Busy picked on one device: the other device, and luis, show busy.
    await ana.page.getByTestId('presence-status-menu').click();
    await ana.page.getByTestId('presence-choose-busy').click();
    await expect.poll(() => member(luis.page, 'u-ana').getAttribute('data-status'), { timeout: 10_000 }).toBe('busy');
    await expect.poll(() => anaPhone.page.getByTestId('presence-status-menu').getAttribute('data-status'), { timeout: 10_000 }).toBe('busy');
    // Activity on the other device does not undo the choice.
    await anaPhone.page.mouse.move(40, 40);
    await anaPhone.page.reload();
    await member(anaPhone.page, 'u-ana').waitFor({ timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await member(luis.page, 'u-ana').getAttribute('data-status')).toBe('busy');
    await expect.poll(() => anaPhone.page.getByTestId('presence-status-menu').getAttribute('data-status'), { timeout: 10_000 }).toBe('busy');

    // A reload is no news: luis's connection drops for a moment and comes back, ana gets no leave notice.
    await luis.page.reload();
    await member(luis.page, 'u-ana').waitFor({ timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 6_500));
    expect(await toasts(ana.page).filter({ hasText: 'Luis Pérez se desconectó' }).count()).toBe(0);

    // Leaving: luis closes his browser; ana gets the notice once it lasts.
    await luis.context.close();
    await toasts(ana.page).filter({ hasText: 'Luis Pérez se desconectó' }).first().waitFor({ timeout: 15_000 });
    expect(await member(ana.page, 'u-luis').getAttribute('data-status')).toBe('offline');
    await ana.context.close();
    await anaPhone.context.close();
  });

  it('the history view searches every channel the user may read, filters by type and person, and names each item\'s channel', async () => {
    // Something on several channels of acme, and on globex (never to be seen from acme).
    const stamp = Date.now();
    expect((await sys.ingest({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: `dep-hist-${stamp}`, instanceType: 'odoo', requestedBy: 'u-luis' } })).status).toBe(202);
    expect((await sys.ingest({ type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: `F-HIST-${stamp}`, amount: 1, currency: 'MXN' } })).status).toBe(202);
    expect((await sys.ingest({ type: 'deployment_start', tenantId: 'globex', data: { deploymentId: `dep-globex-${stamp}`, instanceType: 'odoo' } })).status).toBe(202);

    const ana = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    const results = ana.page.getByTestId('history-results');
    const items = ana.page.getByTestId('history-item');
    await items.first().waitFor({ timeout: 15_000 });
    const channels = async () => new Set(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-channel'))));
    // No channel chosen: items from several of the tenant's channels, each naming its own, none of globex.
    await expect.poll(async () => [...(await channels())].sort(), { timeout: 10_000 }).toEqual(expect.arrayContaining(['billing:acme', 'deployments:acme', 'presence:acme']));
    for (const ch of await channels()) expect(ch).toMatch(/:acme$/);
    expect(await results.textContent()).not.toContain(`dep-globex-${stamp}`);
    expect(await items.first().getByTestId('history-channel').textContent()).toMatch(/^[a-z]+:acme$/);

    // By person: luis (his presence and the deployment he asked for), then narrowed to one type.
    await ana.page.getByTestId('history-user').click();
    await ana.page.getByRole('option', { name: 'Luis Pérez' }).click();
    await expect.poll(async () => [...(await channels())].sort(), { timeout: 10_000 }).toEqual(['deployments:acme', 'presence:acme']);
    expect(await results.textContent()).toContain(`dep-hist-${stamp}`);
    await ana.page.getByTestId('history-type').click();
    await ana.page.getByRole('option', { name: 'Presencia' }).click();
    await expect.poll(async () => new Set(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-type')))), { timeout: 10_000 }).toEqual(new Set(['presence_update']));
    for (const text of await items.allTextContents()) expect(text).toContain('Luis Pérez');

    // Text search across channels.
    await ana.page.getByTestId('history-user').click();
    await ana.page.getByRole('option', { name: 'Todas las personas' }).click();
    await ana.page.getByTestId('history-type').click();
    await ana.page.getByRole('option', { name: 'Todos los tipos' }).click();
    await ana.page.getByTestId('history-q').fill(`F-HIST-${stamp}`);
    await ana.page.getByTestId('history-submit').click();
    await expect.poll(async () => [...(await channels())], { timeout: 10_000 }).toEqual(['billing:acme']);
    await ana.context.close();

    // The one policy: luis (no billing:read) searching the same text finds nothing, and sees no billing channel at all.
    const luis = await loggedIn(sys.browser, sys.portalUrl, 'luis@acme.test');
    await luis.page.getByTestId('history-item').first().waitFor({ timeout: 15_000 });
    for (const ch of await luis.page.getByTestId('history-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-channel')))) expect(ch).not.toMatch(/^billing:/);
    await luis.page.getByTestId('history-q').fill(`F-HIST-${stamp}`);
    await luis.page.getByTestId('history-submit').click();
    await luis.page.getByTestId('history-empty').waitFor({ timeout: 10_000 });
    await luis.context.close();
  });
});
