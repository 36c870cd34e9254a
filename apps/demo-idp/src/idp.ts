import { generateKeyPairSync, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { DEMO_PASSWORD, IDP_USERS, type IdpUser } from './users';

/** Settings of the local identity provider. */
export interface DemoIdpOptions {
  /** The issuer URL, e.g. `http://127.0.0.1:4100` (the server listens on its port). */
  issuer: string;
  /** The portal's OAuth client. */
  client: { id: string; secret: string; redirectUris: string[]; postLogoutRedirectUris: string[] };
  /** `aud` of the access tokens: the event service (resource indicator). */
  audience: string;
  /** Lifetime of access tokens, seconds. Default 300. */
  accessTokenTtl?: number;
  /** Lifetime of refresh tokens, seconds. Default 28800 (8 h). */
  refreshTokenTtl?: number;
}

/** The scope of the event service's access tokens (resource-server scope, not an OIDC one). */
export const REALTIME_SCOPE = 'realtime';

const salt = randomBytes(16);
const hash = (password: string) => scryptSync(password, salt, 32);
const demoHash = hash(DEMO_PASSWORD);

/** Constant-time on the password, as the service's demo login. */
function findUser(email: string, password: string): IdpUser | undefined {
  const user = IDP_USERS.find((u) => u.email === email.trim().toLowerCase());
  const ok = timingSafeEqual(hash(password), demoHash);
  return user && ok ? user : undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="es-MX"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;background:#f4f4f5;display:flex;justify-content:center;padding:4rem 1rem}main{background:#fff;border-radius:.5rem;padding:2rem;max-width:22rem;width:100%;box-shadow:0 1px 3px #0002}label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b91c1c}</style></head><body><main>${body}</main></body></html>`;
}

function loginForm(uid: string, error?: string, email = ''): string {
  return page('NEO Identity — Iniciar sesión', `<h1>NEO Identity</h1><p>Proveedor de identidad de demostración</p>
${error ? `<p class="error" role="alert" data-testid="idp-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="email">Correo electrónico</label><input id="email" name="email" type="email" autocomplete="username" value="${escapeHtml(email)}" required data-testid="idp-email">
<label for="password">Contraseña</label><input id="password" name="password" type="password" autocomplete="current-password" required data-testid="idp-password">
<button type="submit" data-testid="idp-submit">Entrar</button>
</form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" data-testid="idp-cancel">Cancelar</button></form>`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A local OpenID Connect provider (the OpenID Certified `oidc-provider`) with the demo users: code flow
 * with PKCE required, refresh tokens, RP-initiated logout, revocation, and JWT access tokens for the event
 * service (resource indicator = its audience) carrying the claims the service reads (`name`, `tenantId`,
 * `roles`, `permissions`). Only the login screen is ours; consent is implied for this first-party client.
 */
export function createDemoIdp(options: DemoIdpOptions): { provider: Provider; server: Server } {
  const signingKey = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
  const byId = new Map(IDP_USERS.map((u) => [u.sub, u]));

  const configuration: Configuration = {
    clients: [
      {
        client_id: options.client.id,
        client_secret: options.client.secret,
        redirect_uris: options.client.redirectUris,
        post_logout_redirect_uris: options.client.postLogoutRedirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    jwks: { keys: [signingKey as never] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 300,
      RefreshToken: options.refreshTokenTtl ?? 28_800,
      IdToken: 3600,
      Interaction: 600,
      Session: 86_400,
      Grant: 86_400,
      AuthorizationCode: 60,
    },
    // Refresh tokens for this client without the `offline_access` + `prompt=consent` dance: the portal's
    // server keeps them in its sealed session and uses them to renew the access token before it expires.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Not rotated (a confidential client, whose refresh token is bound by its secret): the refresh token's
    // lifetime is then the longest a login lasts before the user must sign in again.
    rotateRefreshToken: () => false,
    findAccount: async (_ctx, id) => {
      const user = byId.get(id);
      if (!user) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, name: user.name, email: user.email }) };
    },
    // The platform claims the event service needs (DESIGN.md), in its access tokens only.
    extraTokenClaims: async (_ctx, token) => {
      if (token.kind !== 'AccessToken' || !('accountId' in token)) return undefined;
      const user = byId.get(String(token.accountId));
      return user ? { name: user.name, tenantId: user.tenantId, roles: user.roles, permissions: user.permissions } : undefined;
    },
    // First-party client: the grant is implied (the documented way to skip the consent screen).
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const clientId = ctx.oidc.client!.clientId;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope('openid profile email');
      grant.addResourceScope(options.audience, REALTIME_SCOPE);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== options.audience) throw new errors.InvalidTarget();
          return { scope: REALTIME_SCOPE, audience: options.audience, accessTokenTTL: options.accessTokenTtl ?? 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        // A demo provider signs out without asking: the form the provider built is submitted at once,
        // with `logout=yes` so that the whole provider session ends, not only this client's part.
        logoutSource: async (ctx, form) => {
          ctx.body = page('NEO Identity — Cerrar sesión', `<p>Cerrando sesión…</p>${form}<input type="hidden" form="op.logoutForm" name="logout" value="yes"><script>document.getElementById('op.logoutForm').submit()</script>`);
        },
      },
    },
  };

  const provider = new Provider(options.issuer, configuration);
  const oidc = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
    const html = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method === 'GET' && !action) return html(200, loginForm(uid));
    if (req.method === 'POST' && action === 'abort') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the user cancelled the login' }, { mergeWithLastSubmission: false });
      return;
    }
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const user = findUser(form.get('email') ?? '', form.get('password') ?? '');
      if (!user) return html(401, loginForm(uid, 'Correo o contraseña incorrectos.', form.get('email') ?? ''));
      await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
      return;
    }
    html(404, page('No encontrado', '<p>No encontrado.</p>'));
  }

  const server = createServer((req, res) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/.exec(new URL(req.url ?? '/', 'http://idp').pathname);
    if (!match) {
      void oidc(req, res);
      return;
    }
    interaction(req, res, match[1]!, match[2]).catch((err: unknown) => {
      if (res.headersSent) return;
      const expired = err instanceof errors.SessionNotFound;
      res.writeHead(expired ? 400 : 500, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Error', `<p data-testid="idp-error">${expired ? 'La solicitud de inicio de sesión expiró; vuelve a intentarlo desde el portal.' : 'Error interno del proveedor de identidad.'}</p>`));
    });
  });
  return { provider, server };
}
