import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** The portal's session cookie (sealed, httpOnly) in the OIDC mode. */
export const SESSION_COOKIE = 'neo-session';

/**
 * Signs `email` in the way a person does in the OIDC mode: the portal's login button, the identity
 * provider's form, and back. Resolves at the provider's form answer (the caller waits for what it expects).
 */
export async function signInAtProvider(page: Page, portalUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${portalUrl}/`);
  await page.waitForURL(/\/login/);
  await page.getByTestId('login-oidc').click();
  await page.getByTestId('idp-email').waitFor({ timeout: 15_000 });
  await page.getByTestId('idp-email').fill(email);
  await page.getByTestId('idp-password').fill(password);
  await page.getByTestId('idp-submit').click();
}

/** A new context signed in as `email` (password demo1234), on the events page with the live connection up. */
export async function oidcLoggedIn(browser: Browser, portalUrl: string, email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'es-MX' });
  const page = await context.newPage();
  await signInAtProvider(page, portalUrl, email, 'demo1234');
  await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
  return { context, page };
}

/** The session cookie of the portal in `context`, if any (a cleared cookie has no value). */
export async function sessionCookie(context: BrowserContext): Promise<{ value: string; httpOnly: boolean; sameSite: string } | undefined> {
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE && c.value !== '');
  return cookie ? { value: cookie.value, httpOnly: cookie.httpOnly, sameSite: cookie.sameSite } : undefined;
}

/** What the portal's token route answers to `cookie` (a request from outside any browser). */
export async function tokenRouteWith(portalUrl: string, cookie: string | undefined): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${portalUrl}/auth/oidc/token`, { headers: cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {} });
  const body = (await res.json()) as { token?: string };
  return { status: res.status, token: body.token };
}

/** Everything this page keeps in Web Storage, as one string (to prove no token is in it). */
export function webStorageOf(page: Page): Promise<string> {
  return page.evaluate(() => {
    const dump = (s: Storage) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i)!)}`).join('\n');
    return `${dump(localStorage)}\n${dump(sessionStorage)}`;
  });
}
