import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startE2eSystem, type E2eSystem } from './system';
import { oidcLoggedIn, sessionCookie, signInAtProvider, tokenRouteWith, webStorageOf } from './oidc';

// The OIDC login end to end, as `npm start -- --oidc` runs it: a real OpenID provider (oidc-provider,
// apps/demo-idp), the portal's server doing code + PKCE with openid-client, the event service verifying
// the provider's JWT access tokens through AUTH_JWKS_URL with issuer and audience. Access tokens live
// 10 s (so renewal happens during the test) and refresh tokens 45 s (so a session expires by itself).
const ACCESS_TTL = 10;
const REFRESH_TTL = 45;

describe('OIDC login (Chromium, oidc-provider)', () => {
  let sys: E2eSystem;
  // Signed in first, so that its session has expired by the last test without waiting for it alone.
  let expiring: { context: BrowserContext; page: Page };

  beforeAll(async () => {
    sys = await startE2eSystem({ oidc: { accessTokenTtl: ACCESS_TTL, refreshTokenTtl: REFRESH_TTL } });
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('the portal has no demo login in this mode, and its token route refuses a visitor without a session', async () => {
    expiring = await oidcLoggedIn(sys.browser, sys.portalUrl, 'luis@acme.test');
    const login = await fetch(`${sys.serviceUrl}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ana@acme.test', password: 'demo1234' }) });
    expect(login.status).toBe(404);
    const anonymous = await tokenRouteWith(sys.portalUrl, undefined);
    expect(anonymous.status).toBe(401);
    // A forged cookie is not a session either.
    expect((await tokenRouteWith(sys.portalUrl, 'Fe26.2**forged')).status).toBe(401);
  });

  it('a wrong password is refused at the provider: error shown, no session', async () => {
    const context = await sys.browser.newContext({ locale: 'es-MX' });
    const page = await context.newPage();
    await signInAtProvider(page, sys.portalUrl, 'ana@acme.test', 'wrong-password');
    await expect.poll(() => page.getByTestId('idp-error').textContent(), { timeout: 10_000 }).toContain('incorrectos');
    expect(page.url().startsWith(sys.idpUrl!)).toBe(true);
    expect(await sessionCookie(context)).toBeUndefined();
    // Cancelling at the provider comes back to the portal's login with the refusal worded there.
    await page.getByTestId('idp-cancel').click();
    await page.waitForURL(/\/login\?error=access_denied/, { timeout: 15_000 });
    await expect.poll(() => page.getByTestId('login-error').textContent(), { timeout: 10_000 }).toContain('Se canceló');
    expect(await sessionCookie(context)).toBeUndefined();
    expect(await page.evaluate(async () => (await fetch('/auth/oidc/token')).status)).toBe(401);
    await context.close();
  });

  it('signs in, shows live events, renews the token before expiry, keeps no token in Web Storage; logout ends every session', async () => {
    const { context, page } = await oidcLoggedIn(sys.browser, sys.portalUrl, 'ana@acme.test');
    expect(await page.getByTestId('user-name').textContent()).toContain('Ana Torres');

    // Live data through Centrifugo, with a connection token the service issued for the provider's token.
    const posted = await sys.ingest({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'oidc-odoo-1', instanceType: 'odoo' } });
    expect(posted.status).toBe(202);
    await page.locator(`[data-testid="event-row"][data-event-id="${posted.body.accepted[0]!.id}"]`).waitFor({ timeout: 15_000 });

    // The session is a sealed httpOnly cookie; the browser's storage holds no token.
    const cookie = await sessionCookie(context);
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    const first = await tokenRouteWith(sys.portalUrl, cookie!.value);
    expect(first.status).toBe(200);
    const storage = await webStorageOf(page);
    expect(storage).not.toContain(first.token!);
    expect(storage).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(storage).not.toContain(cookie!.value);

    // The provider's token is what the service verifies (issuer, audience, claims).
    const me = await fetch(`${sys.serviceUrl}/v1/me`, { headers: { authorization: `Bearer ${first.token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { id: string; tenantId: string } }).user).toMatchObject({ id: 'u-ana', tenantId: 'acme' });

    // Renewed with the refresh token before it expires: the page's own token changes, the page stays live.
    await expect.poll(async () => page.evaluate(async () => ((await (await fetch('/auth/oidc/token')).json()) as { token: string }).token), { timeout: ACCESS_TTL * 1000 + 5_000, interval: 1_000 }).not.toBe(first.token);
    const later = await sys.ingest({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'oidc-odoo-2', instanceType: 'odoo' } });
    await page.locator(`[data-testid="event-row"][data-event-id="${later.body.accepted[0]!.id}"]`).waitFor({ timeout: 15_000 });
    expect(await webStorageOf(page)).not.toMatch(/eyJ[\w-]+\.eyJ/);

    // Logout: through the portal's server and the provider's end-session endpoint, back to the login.
    const beforeLogout = (await sessionCookie(context))!.value;
    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login$/, { timeout: 20_000 });
    await page.getByTestId('login-oidc').waitFor();
    expect(await sessionCookie(context)).toBeUndefined();
    // The old cookie, replayed, is refused: the session ended on the server, not only in the browser.
    expect((await tokenRouteWith(sys.portalUrl, beforeLogout)).status).toBe(401);
    // The provider's session ended too: signing in again asks for the password.
    await page.getByTestId('login-oidc').click();
    await page.getByTestId('idp-email').waitFor({ timeout: 15_000 });
    expect(page.url().startsWith(sys.idpUrl!)).toBe(true);
    await context.close();
  });

  it('an expired session sends the user back to the login without a crash', async () => {
    const { page, context } = expiring;
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // Signed in since the start of this file: its refresh token lives 45 s, then renewal is refused.
    await page.waitForURL(/\/login/, { timeout: (REFRESH_TTL + 30) * 1000 });
    await page.getByTestId('login-oidc').waitFor({ timeout: 10_000 });
    expect(await sessionCookie(context)).toBeUndefined();
    expect(await page.evaluate(async () => (await fetch('/auth/oidc/token')).status)).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });
});
