import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Logs `email` in through the login page of a new (or the given) context and waits for the live connection. */
export async function loggedIn(browser: Browser, portalUrl: string, email: string, context?: BrowserContext): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = context ?? (await browser.newContext({ locale: 'es-MX' }));
  const page = await ctx.newPage();
  await page.goto(`${portalUrl}/login`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill('demo1234');
  await page.getByTestId('login-submit').click();
  await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
  return { context: ctx, page };
}

/** A platform token for `email`, straight from the service's login route. */
export async function apiToken(serviceUrl: string, email: string): Promise<string> {
  const res = await fetch(`${serviceUrl}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'demo1234' }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/**
 * The tags on the page the browser does not know. A component Nuxt could not resolve (a layer component
 * named without its `Neo` prefix, say) is rendered as a bare element of that name, and a production build
 * does not warn about it; this finds it.
 */
export async function unknownElements(page: Page): Promise<string[]> {
  return page.evaluate(() => [...new Set([...document.querySelectorAll('*')].filter((e) => e instanceof HTMLUnknownElement || !e.matches(':defined')).map((e) => e.localName))]);
}
