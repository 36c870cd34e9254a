import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startE2eSystem, type E2eSystem } from './system';
import { loggedIn } from './session';

/** The directives of a Content-Security-Policy header, each with its sources. */
function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name!, sources]));
}

/** Everything the browser reports against the page's CSP: violation events and its console errors about it. */
function watchCsp(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) seen.push(`console: ${msg.text()}`);
  });
  context.on('weberror', (err) => {
    if (/Content Security Policy/i.test(err.error().message)) seen.push(`pageerror: ${err.error().message}`);
  });
  return seen;
}

// The portal's security headers, read from the real built portal, and the real app working under them in
// Chromium: login, the live WebSocket to Centrifugo, the API calls and every tenant page.
describe('portal security headers (Chromium)', () => {
  let sys: E2eSystem;
  beforeAll(async () => {
    sys = await startE2eSystem();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it('the shell carries a CSP that allows only our origins, frame-ancestors none, and the other headers', async () => {
    const res = await fetch(`${sys.portalUrl}/login`);
    expect(res.status).toBe(200);
    const csp = directives(res.headers.get('content-security-policy') ?? '');
    const servicePort = new URL(sys.serviceUrl).port;
    const centrifugoPort = new URL(sys.centrifugoUrl).port;
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'self'"]);
    // The event service and the Centrifugo WebSocket, from the portal's runtime config, and nothing else.
    expect(csp.get('connect-src')).toEqual(["'self'", `http://localhost:${servicePort}`, `ws://localhost:${centrifugoPort}`]);
    // Scripts: our own files and the shell's inline scripts by hash; never unsafe-inline or eval.
    const scripts = csp.get('script-src') ?? [];
    expect(scripts[0]).toBe("'self'");
    expect(scripts.length).toBeGreaterThan(1);
    for (const s of scripts.slice(1)) expect(s).toMatch(/^'(sha256-[A-Za-z0-9+/]+=*|report-sample)'$/);
    expect(scripts.join(' ')).not.toMatch(/unsafe|\*|data:|http/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('permissions-policy')).toMatch(/camera=\(\).*microphone=\(\).*geolocation=\(\)/);
    expect(res.headers.get('x-powered-by')).toBeNull();
    // HSTS only where the portal is reached over https (here: a TLS proxy in front says so).
    expect(res.headers.get('strict-transport-security')).toBeNull();
    const behindTls = await fetch(`${sys.portalUrl}/login`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(behindTls.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}/);
    // Static files too (nosniff matters most there).
    const html = await (await fetch(`${sys.portalUrl}/login`)).text();
    const asset = /src="(\/_nuxt\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${sys.portalUrl}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('logging in, the live connection, an event arriving and every page work with no CSP violation', async () => {
    const context = await sys.browser.newContext({ locale: 'es-MX' });
    const consoleErrors = watchCsp(context);
    // Every page of the context records the violations the browser reports against its policy.
    await context.addInitScript(() => {
      const w = window as unknown as { __cspViolations: string[] };
      w.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}${e.sample ? ` ${e.sample}` : ""}`));
    });
    const reported = (page: Page) => page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
    // Through the login page, up to a connected WebSocket to Centrifugo.
    const { page } = await loggedIn(sys.browser, sys.portalUrl, 'ana@acme.test', context);
    const posted = await sys.ingest({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'csp-odoo-1', instanceType: 'odoo' } });
    expect(posted.status).toBe(202);
    await page.locator(`[data-event-id="${posted.body.accepted[0]!.id}"]`).waitFor({ timeout: 15_000 });
    expect(await reported(page)).toEqual([]);
    for (const route of ['/deployments', '/billing', '/dashboard', '/']) {
      await page.goto(`${sys.portalUrl}${route}`);
      await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('connected');
      expect(await reported(page), route).toEqual([]);
    }
    expect(consoleErrors).toEqual([]);

    // The policy is enforced, and the watch above would have seen a violation: a call to an origin
    // that is not ours is refused by the browser and reported.
    const outcome = await page.evaluate(() => fetch('http://127.0.0.2:9/').then(() => 'sent', () => 'refused'));
    expect(outcome).toBe('refused');
    await expect.poll(() => reported(page)).toEqual([expect.stringMatching(/^connect-src http:\/\/127\.0\.0\.2:9/)]);
    await expect.poll(() => consoleErrors.length).toBeGreaterThan(0);
    await context.close();
  });
});
