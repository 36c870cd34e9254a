// Security headers on every response, and on the HTML shell a CSP that names its inline scripts by hash
// (see ../utils/security-headers.ts for why this is ours and not a module).
import { getRequestProtocol, setResponseHeader, setResponseHeaders } from 'h3';
import type { H3Event } from 'h3';
import { contentSecurityPolicy, inlineScripts, scriptHash, staticSecurityHeaders } from '../utils/security-headers';

function endpoints(event: H3Event) {
  const { apiBase, centrifugoWs } = useRuntimeConfig(event).public as { apiBase: string; centrifugoWs: string };
  return { apiBase, centrifugoWs };
}

export default defineNitroPlugin((nitro) => {
  // `nuxt dev` serves Vite's client and HMR socket: the policy is for what we ship, not the dev server.
  if (import.meta.dev) return;
  nitro.hooks.hook('request', (event) => {
    // Behind a TLS-terminating proxy, X-Forwarded-Proto says https (h3 reads it when told to trust it).
    setResponseHeaders(event, staticSecurityHeaders(getRequestProtocol(event, { xForwardedProto: true }) === 'https'));
    // Everything that is not the shell (icons API, errors) gets the policy without inline scripts.
    setResponseHeader(event, 'content-security-policy', contentSecurityPolicy(endpoints(event)));
  });
  nitro.hooks.hook('render:html', (html, { event }) => {
    const chunks = [...html.head, ...html.bodyPrepend, ...html.body, ...html.bodyAppend].join('\n');
    setResponseHeader(event, 'content-security-policy', contentSecurityPolicy(endpoints(event), inlineScripts(chunks).map(scriptHash)));
  });
  nitro.hooks.hook('render:response', (response) => {
    // No product banner for scanners.
    delete response.headers['x-powered-by'];
  });
});
