import * as client from 'openid-client';
import type { OidcSessionData } from '../../../utils/oidc';

/**
 * The browser's token provider in OIDC mode: the platform access token of this session, renewed with the
 * refresh token when a third of its life is left. 401 when there is no session (never was, expired,
 * logged out, refused by the provider): the portal sends the user to the login.
 */
export default defineEventHandler(async (event) => {
  const settings = oidcSettings(event);
  if (!settings) return oidcNotConfigured(event);
  setResponseHeader(event, 'cache-control', 'no-store');
  const session = await useSession<OidcSessionData>(event, sessionConfig(settings));
  const data = session.data;
  const refused = async (detail: string) => {
    await session.clear();
    return sendProblem(event, 401, 'ERR_AUTH_SESSION', 'Unauthorized', detail);
  };
  if (!data.accessToken || !data.sid) return refused('no session: sign in');
  if (await isSessionEnded(data.sid)) return refused('this session was signed out');

  const now = Date.now();
  const margin = Math.min(60_000, (data.expiresAt - data.receivedAt) / 3);
  if (data.expiresAt - now > margin) return { token: data.accessToken, expiresAt: data.expiresAt };
  if (!data.refreshToken) return refused('the session expired: sign in again');
  try {
    const config = await oidcClient(settings);
    const tokens = await client.refreshTokenGrant(config, data.refreshToken, settings.resource ? { resource: settings.resource } : undefined);
    const renewed = newSessionData(tokens, data);
    await session.update(renewed);
    return { token: renewed.accessToken, expiresAt: renewed.expiresAt };
  } catch (err) {
    // The provider said no (expired or revoked refresh token, ended session): the session is over.
    if (err instanceof client.ResponseBodyError) return refused('the session expired: sign in again');
    console.error(`oidc: refresh failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    // The provider is unreachable: the current token is still good until it expires.
    if (data.expiresAt > now) return { token: data.accessToken, expiresAt: data.expiresAt };
    return sendProblem(event, 503, 'ERR_OIDC_UNAVAILABLE', 'Service Unavailable', 'the identity provider cannot be reached; try again shortly');
  }
});
