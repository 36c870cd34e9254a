import * as client from 'openid-client';
import type { OidcSessionData, OidcTransaction } from '../../../utils/oidc';

/**
 * The provider sends the browser back here with a code: exchanged (with the PKCE verifier) for tokens,
 * which go into the sealed session cookie. Any failure goes back to the login page with an error code for
 * it to word; the cause is logged without tokens.
 */
export default defineEventHandler(async (event) => {
  const settings = oidcSettings(event);
  if (!settings) return oidcNotConfigured(event);
  setResponseHeader(event, 'cache-control', 'no-store');
  const tx = await useSession<OidcTransaction>(event, transactionConfig(settings));
  const pending = { ...tx.data };
  await tx.clear();
  if (!pending.verifier || !pending.state) return sendRedirect(event, '/login?error=login_expired', 302);
  try {
    const config = await oidcClient(settings);
    const current = new URL(settings.redirectUri);
    current.search = getRequestURL(event).search;
    const tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const session = await useSession<OidcSessionData>(event, sessionConfig(settings));
    await session.update(newSessionData(tokens));
    return sendRedirect(event, safeRedirect(pending.redirect), 302);
  } catch (err) {
    const code = err instanceof client.AuthorizationResponseError && err.error === 'access_denied' ? 'access_denied' : 'login_failed';
    console.error(`oidc: login failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    return sendRedirect(event, `/login?error=${code}`, 302);
  }
});
