import * as client from 'openid-client';
import type { OidcTransaction } from '../../../utils/oidc';

/** Starts the authorization code flow with PKCE: the verifier, state and nonce stay in a sealed cookie. */
export default defineEventHandler(async (event) => {
  const settings = oidcSettings(event);
  if (!settings) return oidcNotConfigured(event);
  let config: client.Configuration;
  try {
    config = await oidcClient(settings);
  } catch (err) {
    console.error(`oidc: discovery of ${settings.issuer} failed: ${err instanceof Error ? err.message : String(err)}`);
    return sendProblem(event, 503, 'ERR_OIDC_UNAVAILABLE', 'Service Unavailable', 'the identity provider cannot be reached; try again shortly');
  }
  const verifier = client.randomPKCECodeVerifier();
  const transaction: OidcTransaction = {
    verifier,
    state: client.randomState(),
    nonce: client.randomNonce(),
    redirect: safeRedirect(getQuery(event).redirect),
  };
  const tx = await useSession<OidcTransaction>(event, transactionConfig(settings));
  await tx.update(transaction);
  const parameters: Record<string, string> = {
    redirect_uri: settings.redirectUri,
    scope: settings.scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: transaction.state,
    nonce: transaction.nonce,
  };
  if (settings.resource) parameters.resource = settings.resource;
  setResponseHeader(event, 'cache-control', 'no-store');
  return sendRedirect(event, client.buildAuthorizationUrl(config, parameters).href, 302);
});
