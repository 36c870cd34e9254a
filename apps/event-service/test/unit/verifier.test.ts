import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import type { ErrorCode } from '@neo/contracts';
import { PlatformTokenVerifier } from '../../src/auth/verifier';
import { AppError } from '../../src/errors';

// Platform token verification in both modes, against a JWKS this test serves itself over HTTP.
const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const ISSUER = 'https://id.neo.test';
const AUDIENCE = 'neo-realtime';
const now = () => Math.floor(Date.now() / 1000);
// A jti per token: verified tokens are remembered, and a test that verifies twice means two tokens.
const claims = (extra: JWTPayload = {}): JWTPayload => ({
  jti: crypto.randomUUID(),
  sub: 'u-1',
  name: 'Ana',
  tenantId: 'acme',
  roles: ['member'],
  permissions: ['deploy:read'],
  iss: ISSUER,
  aud: AUDIENCE,
  iat: now(),
  exp: now() + 300,
  ...extra,
});
const without = (key: string): JWTPayload => {
  const c = claims();
  delete c[key];
  return c;
};
const hs = (payload: JWTPayload, secret: string | Uint8Array = SECRET) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);
const signed = (alg: 'RS256' | 'ES256', kid: string, key: CryptoKey, payload: JWTPayload) => new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);

/** The catalogue code `verify` refused `token` with (fails the test if it was accepted). */
async function refusal(verifier: PlatformTokenVerifier, token: string): Promise<ErrorCode> {
  try {
    await verifier.verify(token);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
  throw new Error('the token was accepted');
}

describe('PlatformTokenVerifier', () => {
  let server: Server;
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
  let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
  let stranger: { publicKey: CryptoKey; privateKey: CryptoKey };
  let jwksVerifier: PlatformTokenVerifier;
  let hsVerifier: PlatformTokenVerifier;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    stranger = await generateKeyPair('RS256', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }] };
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    jwksVerifier = new PlatformTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`, issuer: ISSUER, audience: AUDIENCE });
    hsVerifier = new PlatformTokenVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE });
  });
  afterAll(() => new Promise<void>((resolve) => server?.close(() => resolve())));

  describe('accepts', () => {
    it('HS256 with the secret, and maps the identity', async () => {
      const verified = await hsVerifier.verify(await hs(claims()));
      expect(verified.identity).toEqual({ sub: 'u-1', name: 'Ana', tenantId: 'acme', roles: ['member'], permissions: ['deploy:read'], operator: false });
      expect(verified.issuedAt).toEqual(expect.any(Number));
    });
    it('RS256 from the JWKS', async () => {
      expect((await jwksVerifier.verify(await signed('RS256', 'rsa-1', rsa.privateKey, claims()))).identity.sub).toBe('u-1');
    });
    it('ES256 from the JWKS', async () => {
      expect((await jwksVerifier.verify(await signed('ES256', 'ec-1', ec.privateKey, claims()))).identity.sub).toBe('u-1');
    });
    it('an operator without a tenant', async () => {
      expect((await hsVerifier.verify(await hs(claims({ tenantId: null, roles: ['admin'] })))).identity).toMatchObject({ tenantId: null, operator: true });
    });
    it('a token that expired within the clock tolerance (5 s)', async () => {
      expect((await hsVerifier.verify(await hs(claims({ exp: now() - 2 })))).identity.sub).toBe('u-1');
    });
    it('without issuer and audience when none are configured', async () => {
      const open = new PlatformTokenVerifier({ secret: SECRET });
      expect((await open.verify(await hs(without('iss')))).identity.sub).toBe('u-1');
    });
  });

  describe('refuses, with the exact catalogue code', () => {
    const cases: Array<[string, () => Promise<[PlatformTokenVerifier, string]>, ErrorCode]> = [
      ['alg none (HS mode)', async () => [hsVerifier, new UnsecuredJWT(claims()).encode()], 'ERR_AUTH_TOKEN_INVALID'],
      ['alg none (JWKS mode)', async () => [jwksVerifier, new UnsecuredJWT(claims()).encode()], 'ERR_AUTH_TOKEN_INVALID'],
      // The classic confusion: the RSA public key (public knowledge) used as an HMAC secret.
      ['HS256 signed with the RSA public key, to JWKS mode', async () => [jwksVerifier, await hs(claims(), new TextEncoder().encode(await exportSPKI(rsa.publicKey)))], 'ERR_AUTH_TOKEN_INVALID'],
      ['RS256 to HS mode', async () => [hsVerifier, await signed('RS256', 'rsa-1', rsa.privateKey, claims())], 'ERR_AUTH_TOKEN_INVALID'],
      ['ES256 to HS mode', async () => [hsVerifier, await signed('ES256', 'ec-1', ec.privateKey, claims())], 'ERR_AUTH_TOKEN_INVALID'],
      ['HS256 with another secret', async () => [hsVerifier, await hs(claims(), 'another-secret-0123456789abcdef0123456789')], 'ERR_AUTH_TOKEN_INVALID'],
      ['RS256 by a key not in the JWKS, under a known kid', async () => [jwksVerifier, await signed('RS256', 'rsa-1', stranger.privateKey, claims())], 'ERR_AUTH_TOKEN_INVALID'],
      ['RS256 under an unknown kid', async () => [jwksVerifier, await signed('RS256', 'rsa-9', stranger.privateKey, claims())], 'ERR_AUTH_TOKEN_INVALID'],
      ['a signature tampered with', async () => {
        const token = await hs(claims());
        return [hsVerifier, token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA')];
      }, 'ERR_AUTH_TOKEN_INVALID'],
      ['a payload tampered with (roles admin)', async () => {
        const [h, , s] = (await hs(claims())).split('.');
        return [hsVerifier, `${h}.${Buffer.from(JSON.stringify(claims({ roles: ['admin'] }))).toString('base64url')}.${s}`];
      }, 'ERR_AUTH_TOKEN_INVALID'],
      ['expired', async () => [hsVerifier, await hs(claims({ exp: now() - 60 }))], 'ERR_AUTH_TOKEN_EXPIRED'],
      ['expired (JWKS mode)', async () => [jwksVerifier, await signed('ES256', 'ec-1', ec.privateKey, claims({ exp: now() - 60 }))], 'ERR_AUTH_TOKEN_EXPIRED'],
      ['not yet valid (nbf)', async () => [hsVerifier, await hs(claims({ nbf: now() + 60 }))], 'ERR_AUTH_TOKEN_NOT_YET_VALID'],
      ['missing sub', async () => [hsVerifier, await hs(without('sub'))], 'ERR_AUTH_CLAIMS'],
      ['missing exp', async () => [hsVerifier, await hs(without('exp'))], 'ERR_AUTH_CLAIMS'],
      ['missing exp (JWKS mode)', async () => [jwksVerifier, await signed('RS256', 'rsa-1', rsa.privateKey, without('exp'))], 'ERR_AUTH_CLAIMS'],
      ['missing name', async () => [hsVerifier, await hs(without('name'))], 'ERR_AUTH_CLAIMS'],
      ['missing roles', async () => [hsVerifier, await hs(without('roles'))], 'ERR_AUTH_CLAIMS'],
      ['missing permissions', async () => [hsVerifier, await hs(without('permissions'))], 'ERR_AUTH_CLAIMS'],
      ['roles not an array', async () => [hsVerifier, await hs(claims({ roles: 'admin' }))], 'ERR_AUTH_CLAIMS'],
      ['a tenant id outside the tenant rule', async () => [hsVerifier, await hs(claims({ tenantId: 'Acme Corp' }))], 'ERR_AUTH_CLAIMS'],
      ['wrong issuer', async () => [hsVerifier, await hs(claims({ iss: 'https://evil.test' }))], 'ERR_AUTH_TOKEN_INVALID'],
      ['missing issuer', async () => [hsVerifier, await hs(without('iss'))], 'ERR_AUTH_TOKEN_INVALID'],
      ['wrong audience', async () => [hsVerifier, await hs(claims({ aud: 'another-app' }))], 'ERR_AUTH_TOKEN_INVALID'],
      ['wrong audience (JWKS mode)', async () => [jwksVerifier, await signed('RS256', 'rsa-1', rsa.privateKey, claims({ aud: 'another-app' }))], 'ERR_AUTH_TOKEN_INVALID'],
      ['not a compact JWT', async () => [hsVerifier, 'not-a-jwt'], 'ERR_AUTH_TOKEN_MALFORMED'],
      ['three segments of garbage', async () => [hsVerifier, 'abc.def.ghi'], 'ERR_AUTH_TOKEN_MALFORMED'],
      ['over 8 KiB', async () => [hsVerifier, `${'a'.repeat(8200)}.b.c`], 'ERR_AUTH_TOKEN_MALFORMED'],
    ];
    it.each(cases)('%s', async (_name, make, code) => {
      const [verifier, token] = await make();
      expect(await refusal(verifier, token)).toBe(code);
    });
  });

  describe('operators and members (AUTH_OPERATOR_ROLE)', () => {
    it('the operator role WITH a tenant is a member of that tenant, nothing more', async () => {
      expect((await hsVerifier.verify(await hs(claims({ tenantId: 'acme', roles: ['admin'] })))).identity).toMatchObject({ tenantId: 'acme', operator: false });
    });
    it('twin: the operator role without a tenant is an operator', async () => {
      expect((await hsVerifier.verify(await hs(claims({ tenantId: null, roles: ['admin'] })))).identity.operator).toBe(true);
    });
    it('a configured operator role: "admin" alone is no longer enough', async () => {
      const custom = new PlatformTokenVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE, operatorRole: 'platform-operator' });
      expect((await custom.verify(await hs(claims({ tenantId: null, roles: ['admin'] })))).identity.operator).toBe(false);
      expect((await custom.verify(await hs(claims({ tenantId: null, roles: ['platform-operator'] })))).identity.operator).toBe(true);
    });
    it('a token without a tenant and without the role is nobody’s member and no operator', async () => {
      expect((await hsVerifier.verify(await hs(claims({ tenantId: null, roles: ['member'] })))).identity).toMatchObject({ tenantId: null, operator: false });
    });
  });

  describe('claim paths of identity providers (AUTH_CLAIM_*)', () => {
    const keycloak = () => new PlatformTokenVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE, claims: { tenant: 'https://neo.example/tenant', roles: 'realm_access.roles', permissions: 'resource_access.neo-realtime.roles' } });
    const idpClaims = (tenant: string | null, roles: string[]) =>
      ({ ...without('tenantId'), roles: undefined, permissions: undefined, 'https://neo.example/tenant': tenant, realm_access: { roles }, resource_access: { 'neo-realtime': { roles: ['deploy:read', 'billing:read'] } } }) as JWTPayload;
    it('reads nested and URL-named claims', async () => {
      const { identity } = await keycloak().verify(await hs(idpClaims('acme', ['member'])));
      expect(identity).toMatchObject({ tenantId: 'acme', roles: ['member'], permissions: ['deploy:read', 'billing:read'], operator: false });
    });
    it('an operator through nested roles', async () => {
      expect((await keycloak().verify(await hs(idpClaims(null, ['admin'])))).identity.operator).toBe(true);
    });
    it('a missing nested claim is named in the refusal', async () => {
      const c = idpClaims('acme', ['member']);
      delete c.realm_access;
      await expect(keycloak().verify(await hs(c))).rejects.toMatchObject({ code: 'ERR_AUTH_CLAIMS', message: expect.stringContaining('realm_access.roles') });
    });
  });

  describe('lifetime cap (AUTH_MAX_TOKEN_LIFETIME)', () => {
    const capped = () => new PlatformTokenVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE, maxTokenLifetimeSec: 3600 });
    it('refuses a token that lives longer than the cap (exp − iat)', async () => {
      expect(await refusal(capped(), await hs(claims({ iat: now(), exp: now() + 7200 })))).toBe('ERR_AUTH_TOKEN_INVALID');
    });
    it('refuses a token without iat whose exp is further than the cap', async () => {
      const c = claims({ exp: now() + 7200 });
      delete c.iat;
      expect(await refusal(capped(), await hs(c))).toBe('ERR_AUTH_TOKEN_INVALID');
    });
    it('twin: a token within the cap', async () => {
      expect((await capped().verify(await hs(claims({ iat: now(), exp: now() + 3000 })))).identity.sub).toBe('u-1');
    });
  });

  describe('identity provider outage (JWKS mode)', () => {
    it('keys fetched once keep verifying while the provider is down', async () => {
      let up = true;
      const jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }] };
      const idp = createServer((_req, res) => (up ? res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)) : res.writeHead(502).end()));
      await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
      try {
        const verifier = new PlatformTokenVerifier({ jwksUrl: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`, issuer: ISSUER, audience: AUDIENCE });
        expect((await verifier.verify(await signed('RS256', 'rsa-1', rsa.privateKey, claims()))).identity.sub).toBe('u-1');
        up = false;
        // Within the 30 s cooldown an unknown kid is not fetched for: the fresh keys say it is not theirs.
        expect(await refusal(verifier, await signed('RS256', 'rsa-2', stranger.privateKey, claims()))).toBe('ERR_AUTH_TOKEN_INVALID');
        // The cached key still verifies.
        expect((await verifier.verify(await signed('RS256', 'rsa-1', rsa.privateKey, claims()))).identity.sub).toBe('u-1');
      } finally {
        await new Promise<void>((resolve) => idp.close(() => resolve()));
      }
    });
    it('stale keys answer past their age while the provider is down; a kid they lack is 503, not 401', async () => {
      let up = true;
      const jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }] };
      const idp = createServer((_req, res) => (up ? res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)) : res.destroy()));
      await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
      try {
        // Keys are never fresh: every verification asks the provider first.
        const verifier = new PlatformTokenVerifier({ jwksUrl: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`, issuer: ISSUER, audience: AUDIENCE, jwksMaxAgeMs: 0 });
        expect((await verifier.verify(await signed('RS256', 'rsa-1', rsa.privateKey, claims()))).identity.sub).toBe('u-1');
        up = false;
        expect((await verifier.verify(await signed('RS256', 'rsa-1', rsa.privateKey, claims()))).identity.sub).toBe('u-1');
        expect(await refusal(verifier, await signed('RS256', 'rsa-2', stranger.privateKey, claims()))).toBe('ERR_AUTH_KEYS_UNAVAILABLE');
      } finally {
        await new Promise<void>((resolve) => idp.close(() => resolve()));
      }
    });
    it('a provider down from the start: 503 ERR_AUTH_KEYS_UNAVAILABLE with Retry-After, never 401', async () => {
      const idp = createServer((_req, res) => res.writeHead(503).end());
      await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
      try {
        const verifier = new PlatformTokenVerifier({ jwksUrl: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`, issuer: ISSUER, audience: AUDIENCE });
        const err = await verifier.verify(await signed('RS256', 'rsa-1', rsa.privateKey, claims())).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ERR_AUTH_KEYS_UNAVAILABLE', status: 503, headers: { 'retry-after': expect.any(String) } });
      } finally {
        await new Promise<void>((resolve) => idp.close(() => resolve()));
      }
    });
    it('an unreachable provider (connection refused) is 503 too', async () => {
      const verifier = new PlatformTokenVerifier({ jwksUrl: 'http://127.0.0.1:9/jwks', issuer: ISSUER, audience: AUDIENCE });
      expect(await refusal(verifier, await signed('RS256', 'rsa-1', rsa.privateKey, claims()))).toBe('ERR_AUTH_KEYS_UNAVAILABLE');
    });
  });

  it('remembers a verified token until its expiry, never a refused one', async () => {
    const token = await hs(claims({ exp: now() + 300 }));
    const first = await hsVerifier.verify(token);
    expect(await hsVerifier.verify(token)).toBe(first); // the same object: not verified again
    const expiredSoon = await hs(claims({ exp: now() - 1 })); // within the 5 s tolerance: accepted, not remembered
    expect((await hsVerifier.verify(expiredSoon)).identity.sub).toBe('u-1');
    const bad = (await hs(claims())).slice(0, -2) + 'xx';
    expect(await refusal(hsVerifier, bad)).toBe('ERR_AUTH_TOKEN_INVALID');
    expect(await refusal(hsVerifier, bad)).toBe('ERR_AUTH_TOKEN_INVALID');
  });

  it('refuses to be built without a secret or a JWKS URL', () => {
    expect(() => new PlatformTokenVerifier({})).toThrow(/secret or a JWKS URL/);
  });
});
