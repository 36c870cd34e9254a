import * as client from 'openid-client';
import type { OidcSessionData } from '../../../utils/oidc';

/**
 * Server-side logout: the cookie is cleared, the session id is refused from now on (a copied cookie is
 * dead), the refresh token is revoked at the provider, and the browser goes on to the provider's
 * end-session endpoint (RP-initiated logout), which ends the provider's own session and sends it back to
 * the login page.
 */
export default defineEventHandler(async (event) => {
  const settings = oidcSettings(event);
  if (!settings) return oidcNotConfigured(event);
  setResponseHeader(event, 'cache-control', 'no-store');
  const session = await useSession<OidcSessionData>(event, sessionConfig(settings));
  const data = { ...session.data };
  await session.clear();
  if (data.sid) await endSession(data.sid, settings.sessionMaxAge);
  let config: client.Configuration;
  try {
    config = await oidcClient(settings);
  } catch {
    return sendRedirect(event, settings.postLogoutRedirectUri, 302);
  }
  if (data.refreshToken) {
    await client.tokenRevocation(config, data.refreshToken, { token_type_hint: 'refresh_token' }).catch((err: unknown) => {
      console.error(`oidc: revoking the refresh token failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  if (!config.serverMetadata().end_session_endpoint) return sendRedirect(event, settings.postLogoutRedirectUri, 302);
  const parameters: Record<string, string> = { post_logout_redirect_uri: settings.postLogoutRedirectUri };
  if (data.idToken) parameters.id_token_hint = data.idToken;
  else parameters.client_id = settings.clientId;
  return sendRedirect(event, client.buildEndSessionUrl(config, parameters).href, 302);
});
