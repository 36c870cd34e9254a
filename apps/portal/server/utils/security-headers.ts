// The portal's security headers. Our own small code, not the `nuxt-security` module: its releases that
// still run on Node 20 (2.5.x) also switch on a rate limiter, a request-size limiter, an XSS body
// validator and CSRF handling by default, each of which would have to be turned off again, and its CSP
// hashing is built for prerendered pages while this SPA shell is rendered per request (its runtime
// config is inlined in a script whose text depends on the environment). What we need is a pure
// function of the runtime config and the shell's inline scripts.
import { createHash } from 'node:crypto';

/** The browser-facing endpoints the portal talks to (its `runtimeConfig.public`). */
export interface PortalEndpoints {
  /** Base URL of the event service, e.g. `https://events.example.com`. */
  apiBase: string;
  /** Centrifugo's WebSocket endpoint, e.g. `wss://rt.example.com/connection/websocket`. */
  centrifugoWs: string;
}

/** `scheme://host[:port]` of a URL, or null when it is not an absolute URL (the CSP then leaves it out). */
function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? `${u.protocol}//${u.host}` : u.origin;
  } catch {
    return null;
  }
}

/** The texts of the inline, executable `<script>` elements in HTML chunks (JSON data blocks do not run). */
export function inlineScripts(html: string): string[] {
  const scripts: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const attrs = m[1] ?? '';
    if (/\bsrc\s*=/.test(attrs)) continue;
    const type = /\btype\s*=\s*["']?([^"'\s>]+)/i.exec(attrs)?.[1]?.toLowerCase();
    if (type && type !== 'module' && type !== 'text/javascript' && type !== 'application/javascript') continue;
    if (m[2]) scripts.push(m[2]);
  }
  return scripts;
}

/**
 * Inline scripts the client adds after the shell loaded, with fixed texts, allowed by hash. Nuxt UI's
 * colors plugin (@nuxt/ui 4.7.1, runtime/plugins/colors.js) adds this one through `useHead` in an SPA to
 * drop its first-paint style element. If an upgrade changes the text, the e2e CSP test reports the
 * violation.
 */
export const CLIENT_INLINE_SCRIPTS = ["document.head.removeChild(document.querySelector('[data-nuxt-ui-colors]'))"];

/** A CSP hash source for one inline script's exact text. */
export function scriptHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The Content-Security-Policy of the portal: our own origin, the event service's origin and the
 * Centrifugo WebSocket origin, and the inline scripts of this response by hash. Styles allow inline:
 * Vue sets `style` attributes and Nuxt UI injects its colour variables at run time.
 */
export function contentSecurityPolicy(endpoints: PortalEndpoints, scriptHashes: string[] = []): string {
  const connect = ["'self'", originOf(endpoints.apiBase), originOf(endpoints.centrifugoWs)].filter((s): s is string => s !== null);
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    // 'report-sample' puts the start of a refused inline script into violation reports, to find it.
    'script-src': ["'self'", ...new Set([...scriptHashes, ...CLIENT_INLINE_SCRIPTS.map(scriptHash)]), "'report-sample'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': [...new Set(connect)],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'frame-src': ["'none'"],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
  };
  return Object.entries(directives).map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

/** Headers every portal response carries; `https` adds HSTS (browsers ignore it over http anyway). */
export function staticSecurityHeaders(https: boolean): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    // For browsers without CSP level 2's frame-ancestors.
    'x-frame-options': 'DENY',
    // The API is cross-origin and needs no Referer (CORS uses Origin); paths may carry tenant ids.
    'referrer-policy': 'no-referrer',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), interest-cohort=()',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(https ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}
