import { randomUUID } from 'node:crypto';
import type { H3Event, SessionConfig } from 'h3';
import * as client from 'openid-client';

/** The OIDC settings of the portal's server (`runtimeConfig.oidc`, env `NUXT_OIDC_*`). */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** Resource indicator (RFC 8707) of the event service: the `aud` of the access tokens. Optional. */
  resource: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  sessionSecret: string;
  sessionMaxAge: number;
  cookieSecure: boolean;
  allowHttp: boolean;
}

/** What the sealed session cookie holds. Never sent to the browser in clear; the browser gets only the access token. */
export interface OidcSessionData {
  /** Our own id of this login, to refuse a copied cookie after logout. */
  sid: string;
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms when this access token was received (to refresh at two thirds of its life). */
  receivedAt: number;
  refreshToken?: string;
  idToken?: string;
}

export interface OidcTransaction {
  verifier: string;
  state: string;
  nonce: string;
  redirect: string;
}

/** RFC 9457 problem documents, as the event service answers (the portal's server speaks the same way). */
export function sendProblem(event: H3Event, status: number, code: string, title: string, detail: string): string {
  setResponseStatus(event, status);
  setResponseHeader(event, 'content-type', 'application/problem+json');
  setResponseHeader(event, 'cache-control', 'no-store');
  return JSON.stringify({ type: 'about:blank', status, code, title, detail });
}

/** The settings when this portal is in OIDC mode and configured; `null` otherwise (its routes answer 404). */
export function oidcSettings(event: H3Event): OidcSettings | null {
  const config = useRuntimeConfig(event);
  if (config.public.auth?.mode !== 'oidc') return null;
  const o = config.oidc as Partial<OidcSettings>;
  if (!o.issuer || !o.clientId || !o.sessionSecret) return null;
  const origin = getRequestURL(event).origin;
  return {
    issuer: o.issuer,
    clientId: o.clientId,
    clientSecret: o.clientSecret ?? '',
    scope: o.scope || 'openid profile',
    resource: o.resource ?? '',
    redirectUri: o.redirectUri || `${origin}/auth/oidc/callback`,
    postLogoutRedirectUri: o.postLogoutRedirectUri || `${origin}/login`,
    sessionSecret: o.sessionSecret,
    sessionMaxAge: Number(o.sessionMaxAge) || 28_800,
    cookieSecure: o.cookieSecure !== false,
    allowHttp: o.allowHttp === true,
  };
}

export function oidcNotConfigured(event: H3Event): string {
  return sendProblem(event, 404, 'ERR_OIDC_DISABLED', 'Not Found', 'this portal does not sign in through OpenID Connect');
}

const discovered = new Map<string, Promise<client.Configuration>>();

/** The provider's metadata, discovered once per issuer (a failed discovery is tried again next time). */
export function oidcClient(settings: OidcSettings): Promise<client.Configuration> {
  const key = `${settings.issuer}\n${settings.clientId}`;
  let found = discovered.get(key);
  if (!found) {
    found = client.discovery(
      new URL(settings.issuer),
      settings.clientId,
      undefined,
      settings.clientSecret ? client.ClientSecretBasic(settings.clientSecret) : client.None(),
      // http:// issuers only when asked for explicitly (a local provider in development).
      settings.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
    );
    found.catch(() => discovered.delete(key));
    discovered.set(key, found);
  }
  return found;
}

/** The session cookie: sealed (iron, AES-256-CBC + HMAC) with the session secret, httpOnly, SameSite=Lax. */
export function sessionConfig(settings: OidcSettings): SessionConfig {
  return {
    name: 'neo-session',
    password: settings.sessionSecret,
    maxAge: settings.sessionMaxAge,
    // Only the cookie: a header would let script-readable storage carry the session.
    sessionHeader: false,
    cookie: { httpOnly: true, secure: settings.cookieSecure, sameSite: 'lax', path: '/' },
  };
}

/** The login in progress (PKCE verifier, state, nonce, where to go back): ten minutes, its own cookie. */
export function transactionConfig(settings: OidcSettings): SessionConfig {
  return {
    name: 'neo-oidc-tx',
    password: settings.sessionSecret,
    maxAge: 600,
    sessionHeader: false,
    // Lax, so it comes back on the provider's top-level redirect to the callback.
    cookie: { httpOnly: true, secure: settings.cookieSecure, sameSite: 'lax', path: '/auth/oidc' },
  };
}

export function newSessionData(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, previous?: OidcSessionData): OidcSessionData {
  const now = Date.now();
  return {
    sid: previous?.sid ?? randomUUID(),
    accessToken: tokens.access_token,
    expiresAt: now + (tokens.expiresIn() ?? 300) * 1000,
    receivedAt: now,
    refreshToken: tokens.refresh_token ?? previous?.refreshToken,
    idToken: tokens.id_token ?? previous?.idToken,
  };
}

// A sealed cookie cannot be taken back, so a logout remembers the session's id until the cookie could
// have expired anyway, and the token route refuses it. Nitro storage: memory in one process by default;
// several portal instances mount `oidc-ended` on a shared driver (e.g. Redis) in `nitro.storage`.
const ENDED = 'oidc-ended';

export async function endSession(sid: string, maxAgeSec: number): Promise<void> {
  await useStorage(ENDED).setItem(sid, Date.now() + maxAgeSec * 1000, { ttl: maxAgeSec });
}

export async function isSessionEnded(sid: string): Promise<boolean> {
  const until = await useStorage(ENDED).getItem<number>(sid);
  if (until === null || until === undefined) return false;
  if (until < Date.now()) {
    await useStorage(ENDED).removeItem(sid);
    return false;
  }
  return true;
}

/** Only a path of this app: anything else would be an open redirect. */
export function safeRedirect(target: unknown): string {
  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/\\') ? target : '/';
}
