import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Centrifuge, type Subscription } from 'centrifuge';
import WebSocket from 'ws';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { PERMISSIONS, TOPIC_PERMISSION, TENANT_TOPICS, type Permission } from '@neo/contracts';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { login, realtimeClient, subscriptionTokenFrom } from '../helpers/client';
import { nextEvent } from '../helpers/wait';
import { signHs256, nowSeconds } from '../../src/auth/jwt';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';

// Use case 5: every denial path, each with its positive twin where one exists, against the real
// Centrifugo and the real centrifuge client. Each case asserts the exact status and catalogue code, or
// the exact Centrifugo code. The matrix is listed in docs/security.md.

const ISSUER = 'https://id.neo.test';
const AUDIENCE = 'neo-realtime';

interface Answer {
  status: number;
  // Problem documents and token answers; the cases below read `code`, `reason` and `token`.
  body: { code?: string; reason?: string; token?: string; [key: string]: unknown };
}

async function request(method: 'POST' | 'PUT', url: string, body: unknown, bearer: string | null): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** What a centrifuge client observed first: a subscription's outcome, or the connection's end. */
type Outcome = { event: 'subscribed' } | { event: 'unsubscribed'; code: number } | { event: 'error'; code: number } | { event: 'disconnected'; code: number; reason: string };

function firstOutcome(client: Centrifuge, sub: Subscription, timeoutMs = 10_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no outcome observed')), timeoutMs);
    const done = (o: Outcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    sub.on('subscribed', () => done({ event: 'subscribed' }));
    sub.on('unsubscribed', (ctx) => done({ event: 'unsubscribed', code: ctx.code }));
    sub.on('error', (ctx) => done({ event: 'error', code: ctx.error.code }));
    client.on('disconnected', (ctx) => done({ event: 'disconnected', code: ctx.code, reason: ctx.reason }));
  });
}

describe('security suite (use case 5)', () => {
  let centrifugo: TestCentrifugo;
  let service: TestService;
  let jwksService: TestService;
  let jwksServer: Server;
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
  const tokens: Record<'ana' | 'luis' | 'sofia' | 'admin', string> = { ana: '', luis: '', sofia: '', admin: '' };
  const clients: Centrifuge[] = [];

  /** A platform token signed with the service's secret, as an identity provider would issue it. */
  const platformToken = (extra: JWTPayload = {}, drop: string[] = []): Promise<string> => {
    const claims: JWTPayload = { sub: 'u-test', name: 'Test User', tenantId: 'acme', roles: ['member'], permissions: [...PERMISSIONS], iss: ISSUER, aud: AUDIENCE, iat: nowSeconds(), exp: nowSeconds() + 300, ...extra };
    for (const key of drop) delete claims[key];
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(service.config.auth.jwtSecret!));
  };
  const subscriptionToken = (bearer: string | null, channel: string, to = service) => request('POST', `${to.url}/v1/realtime/subscription-token`, { channel }, bearer);
  const connectionToken = (bearer: string | null, to = service) => request('POST', `${to.url}/v1/realtime/connection-token`, {}, bearer);
  const admin = (path: string, body: unknown, bearer: string | null = tokens.admin) => request('PUT', `${service.url}${path}`, body, bearer);

  /** A connected real centrifuge client for a platform token; closed after the suite. */
  const connected = async (platform: string, options: { getToken?: () => Promise<string>; token?: string } = {}): Promise<Centrifuge> => {
    const client = options.token !== undefined || options.getToken
      ? new Centrifuge(centrifugo.wsUrl, { websocket: WebSocket, minReconnectDelay: 100, maxReconnectDelay: 1000, ...options })
      : realtimeClient(centrifugo.wsUrl, service.url, platform);
    clients.push(client);
    client.connect();
    return client;
  };

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    service = await startTestService(centrifugo, { AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
    for (const [who, email] of [['ana', 'ana@acme.test'], ['luis', 'luis@acme.test'], ['sofia', 'sofia@globex.test'], ['admin', 'admin@neo.test']] as const) {
      tokens[who] = (await login(service.url, email)).token;
    }
    // A second service in JWKS mode, against keys this test serves itself.
    rsa = await generateKeyPair('RS256', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }] };
    jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    jwksService = await startTestService(centrifugo, { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: jwksUrl });
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await jwksService?.stop();
    await service?.stop();
    await new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve()));
    await centrifugo?.stop();
  });

  describe('subscription tokens: tenant isolation, permissions, admin channels', () => {
    type Who = keyof typeof tokens | { lacking: Permission };
    const bearerOf = (who: Who) => (typeof who === 'string' ? Promise.resolve(tokens[who]) : platformToken({ permissions: PERMISSIONS.filter((p) => p !== who.lacking) }));
    const cases: Array<[string, Who, string, number, string | null]> = [
      // Another tenant's channels: 403 not_tenant_member, whatever the permissions; the twin is the own tenant.
      ...TENANT_TOPICS.flatMap((topic): Array<[string, Who, string, number, string | null]> => [
        [`another tenant: ana → ${topic}:globex`, 'ana', `${topic}:globex`, 403, 'not_tenant_member'],
        [`twin: ana → ${topic}:acme`, 'ana', `${topic}:acme`, 200, null],
      ]),
      ['another tenant that does not exist: same answer as one that does', 'ana', 'billing:no-such-tenant', 403, 'not_tenant_member'],
      ['another tenant: sofia → deployments:acme', 'sofia', 'deployments:acme', 403, 'not_tenant_member'],
      // A missing permission per topic: a member with every permission but the one the topic needs.
      ...TENANT_TOPICS.filter((t) => TOPIC_PERMISSION[t] !== null).flatMap((topic): Array<[string, Who, string, number, string | null]> => [
        [`missing ${TOPIC_PERMISSION[topic]} → ${topic}:acme`, { lacking: TOPIC_PERMISSION[topic]! }, `${topic}:acme`, 403, 'missing_permission'],
      ]),
      ['twin: all permissions → billing:acme (crafted token)', { lacking: 'deploy:write' }, 'billing:acme', 200, null],
      ['presence needs only membership', { lacking: 'deploy:read' }, 'presence:acme', 200, null],
      ['demo member luis lacks billing:read', 'luis', 'billing:acme', 403, 'missing_permission'],
      ['demo member luis lacks alerts:read', 'luis', 'alerts:acme', 403, 'missing_permission'],
      ['twin: luis → metrics:acme', 'luis', 'metrics:acme', 200, null],
      // Admin channels.
      ['non-admin → admin:metrics', 'ana', 'admin:metrics', 403, 'admin_only'],
      ['non-admin → admin:alerts', 'sofia', 'admin:alerts', 403, 'admin_only'],
      ['twin: admin → admin:metrics', 'admin', 'admin:metrics', 200, null],
      ['twin: admin → admin:alerts', 'admin', 'admin:alerts', 200, null],
      ['admin reads any tenant', 'admin', 'billing:globex', 200, null],
    ];
    it.each(cases)('%s', async (_name, who, channel, status, reason) => {
      const r = await subscriptionToken(await bearerOf(who), channel);
      expect(r.status).toBe(status);
      if (status === 200) expect(r.body.token).toEqual(expect.any(String));
      else expect(r.body).toMatchObject({ code: 'ERR_FORBIDDEN', reason });
      // The refusal never names the other tenant or says whether it exists.
      if (status === 403) expect(JSON.stringify(r.body)).not.toMatch(/globex|no-such-tenant|exist/);
    });
  });

  describe('platform token failures at both token routes: 401 with the exact code', () => {
    const cases: Array<[string, () => Promise<string | null>, string]> = [
      ['no token', async () => null, 'ERR_AUTH_TOKEN_MISSING'],
      ['not a JWT', async () => 'not-a-jwt', 'ERR_AUTH_TOKEN_MALFORMED'],
      ['expired', () => platformToken({ exp: nowSeconds() - 60 }), 'ERR_AUTH_TOKEN_EXPIRED'],
      ['not yet valid (nbf)', () => platformToken({ nbf: nowSeconds() + 120 }), 'ERR_AUTH_TOKEN_NOT_YET_VALID'],
      ['wrongly signed', async () => signHs256({ sub: 'u-test', name: 'x', tenantId: 'acme', roles: [], permissions: [], iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 60 }, 'not-the-secret'), 'ERR_AUTH_TOKEN_INVALID'],
      ['alg none', async () => new UnsecuredJWT({ sub: 'u-test', name: 'x', tenantId: 'acme', roles: ['admin'], permissions: [], iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 60 }).encode(), 'ERR_AUTH_TOKEN_INVALID'],
      ['RS256 to the HS256 service', async () => new SignJWT({ sub: 'u-test', name: 'x', tenantId: 'acme', roles: [], permissions: [], iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 60 }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsa.privateKey), 'ERR_AUTH_TOKEN_INVALID'],
      ['missing sub', () => platformToken({}, ['sub']), 'ERR_AUTH_CLAIMS'],
      ['missing exp', () => platformToken({}, ['exp']), 'ERR_AUTH_CLAIMS'],
      ['missing name', () => platformToken({}, ['name']), 'ERR_AUTH_CLAIMS'],
      ['missing roles', () => platformToken({}, ['roles']), 'ERR_AUTH_CLAIMS'],
      ['missing permissions', () => platformToken({}, ['permissions']), 'ERR_AUTH_CLAIMS'],
      ['wrong issuer', () => platformToken({ iss: 'https://evil.test' }), 'ERR_AUTH_TOKEN_INVALID'],
      ['wrong audience', () => platformToken({ aud: 'another-app' }), 'ERR_AUTH_TOKEN_INVALID'],
    ];
    it.each(cases)('%s', async (_name, make, code) => {
      const bearer = await make();
      for (const r of [await connectionToken(bearer), await subscriptionToken(bearer, 'presence:acme')]) {
        expect(r.status).toBe(401);
        expect(r.body.code).toBe(code);
      }
    });
    it('twin: a valid token from the identity provider gets both tokens', async () => {
      const bearer = await platformToken();
      expect((await connectionToken(bearer)).status).toBe(200);
      expect((await subscriptionToken(bearer, 'presence:acme')).status).toBe(200);
    });

    describe('JWKS mode (RS256)', () => {
      const claims = () => ({ sub: 'u-idp', name: 'IdP User', tenantId: 'acme', roles: ['member'], permissions: ['deploy:read'], exp: nowSeconds() + 60 });
      it('HS/RS confusion: HS256 signed with the RSA public key as the secret → 401 ERR_AUTH_TOKEN_INVALID', async () => {
        const forged = await new SignJWT({ ...claims(), roles: ['admin'] }).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode(await exportSPKI(rsa.publicKey)));
        const r = await connectionToken(forged, jwksService);
        expect(r).toMatchObject({ status: 401, body: { code: 'ERR_AUTH_TOKEN_INVALID' } });
      });
      it('an HS256 token of the demo login → 401 ERR_AUTH_TOKEN_INVALID', async () => {
        expect(await connectionToken(tokens.ana, jwksService)).toMatchObject({ status: 401, body: { code: 'ERR_AUTH_TOKEN_INVALID' } });
      });
      it('the provider’s keys cannot be fetched: 503 ERR_AUTH_KEYS_UNAVAILABLE with Retry-After, not a 401 that logs users out', async () => {
        const down = await startTestService(centrifugo, { AUTH_JWT_SECRET: '', AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
        try {
          const good = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsa.privateKey);
          const res = await fetch(`${down.url}/v1/realtime/connection-token`, { method: 'POST', headers: { authorization: `Bearer ${good}`, 'content-type': 'application/json' }, body: '{}' });
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).toBe('5');
          expect(await res.json()).toMatchObject({ code: 'ERR_AUTH_KEYS_UNAVAILABLE' });
        } finally {
          await down.stop();
        }
      });
      it('twin: RS256 signed by the provider key → 200', async () => {
        const good = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsa.privateKey);
        expect((await subscriptionToken(good, 'deployments:acme', jwksService)).status).toBe(200);
      });
    });
  });

  describe('malformed channel names: 400 ERR_INVALID_CHANNEL (also for an admin)', () => {
    const bad: Array<[string, string]> = [
      ['upper-case topic', 'Deployments:acme'],
      ['upper-case tenant', 'deployments:ACME'],
      ['extra segment', 'deployments:acme:extra'],
      ['Centrifugo user boundary #', 'deployments:acme#u-ana'],
      ['Centrifugo private prefix $', '$deployments:acme'],
      ['wildcard *', 'deployments:*'],
      ['dot-dot', 'deployments:..'],
      ['space', 'deployments:ac me'],
      ['non-ASCII', 'deployments:acmé'],
      ['over-long', `deployments:${'a'.repeat(130)}`],
      ['empty tenant', 'deployments:'],
      ['empty', ''],
      ['no tenant segment', 'deployments'],
      ['unknown topic', 'secrets:acme'],
      ['tenant starting with a dash', 'deployments:-acme'],
      ['unknown admin channel', 'admin:secrets'],
    ];
    it.each(bad)('%s: %j', async (_name, channel) => {
      for (const who of ['ana', 'admin'] as const) {
        const r = await subscriptionToken(tokens[who], channel);
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('ERR_INVALID_CHANNEL');
      }
    });
    it('twin: the well-formed name → 200', async () => {
      expect((await subscriptionToken(tokens.ana, 'deployments:acme')).status).toBe(200);
    });
  });

  describe('operator routes', () => {
    it('non-admin → 403 admin_only', async () => {
      for (const r of [await admin('/v1/admin/users/u-luis/permissions', { permissions: [] }, tokens.ana), await admin('/v1/admin/tenants/globex/suspension', { suspended: true }, tokens.ana)]) {
        expect(r).toMatchObject({ status: 403, body: { code: 'ERR_FORBIDDEN', reason: 'admin_only' } });
      }
    });
    it('no token → 401 ERR_AUTH_TOKEN_MISSING', async () => {
      expect(await admin('/v1/admin/tenants/globex/suspension', { suspended: true }, null)).toMatchObject({ status: 401, body: { code: 'ERR_AUTH_TOKEN_MISSING' } });
    });
    it.each([
      ['an unknown permission', '/v1/admin/users/u-luis/permissions', { permissions: ['root'] }],
      ['permissions not an array', '/v1/admin/users/u-luis/permissions', { permissions: 'deploy:read' }],
      ['an extra field', '/v1/admin/users/u-luis/permissions', { permissions: [], admin: true }],
      ['a user id with a space', '/v1/admin/users/u%20luis/permissions', { permissions: [] }],
      ['suspended not a boolean', '/v1/admin/tenants/globex/suspension', { suspended: 'yes' }],
      ['a tenant id outside the rule', '/v1/admin/tenants/Globex/suspension', { suspended: true }],
    ])('bad input: %s → 400 ERR_VALIDATION', async (_name, path, body) => {
      expect(await admin(path, body)).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
    });
    it('a tenant id that matches the rule is accepted whether or not it exists (nothing leaks)', async () => {
      expect(await admin('/v1/admin/tenants/no-such-tenant/suspension', { suspended: true })).toMatchObject({ status: 200, body: { tenantId: 'no-such-tenant', suspended: true, disconnectedUsers: 0 } });
      expect(await admin('/v1/admin/tenants/no-such-tenant/suspension', { suspended: false })).toMatchObject({ status: 200, body: { suspended: false } });
    });
  });

  describe('through a real centrifuge client and the real Centrifugo', () => {
    const subscribeWith = async (platform: string, channel: string, subToken: string): Promise<Outcome> => {
      const client = await connected(platform);
      const sub = client.newSubscription(channel, { token: subToken });
      const outcome = firstOutcome(client, sub);
      sub.subscribe();
      return outcome;
    };
    const tokenFor = async (platform: string, channel: string) => (await subscriptionToken(platform, channel)).body.token!;

    it('twin: a subscription token for its own channel on its own user’s connection → subscribed', async () => {
      expect(await subscribeWith(tokens.ana, 'billing:acme', await tokenFor(tokens.ana, 'billing:acme'))).toEqual({ event: 'subscribed' });
    });
    it('a subscription token for channel A used for channel B → disconnected 3500 invalid token', async () => {
      expect(await subscribeWith(tokens.ana, 'deployments:acme', await tokenFor(tokens.ana, 'billing:acme'))).toEqual({ event: 'disconnected', code: 3500, reason: 'invalid token' });
    });
    it('user A’s subscription token on user B’s connection → disconnected 3500 invalid token', async () => {
      expect(await subscribeWith(tokens.luis, 'billing:acme', await tokenFor(tokens.ana, 'billing:acme'))).toEqual({ event: 'disconnected', code: 3500, reason: 'invalid token' });
    });
    // Observed on Centrifugo v6.9.1: a bad signature is answered with error 103 (the subscription
    // ends), while a well-signed token for another channel or user disconnects with 3500.
    it('a subscription token signed with another secret → unsubscribed 103 permission denied', async () => {
      const forged = signHs256({ sub: 'u-ana', channel: 'billing:globex', exp: nowSeconds() + 60 }, `not-${randomBytes(8).toString('hex')}`);
      expect(await subscribeWith(tokens.ana, 'billing:globex', forged)).toEqual({ event: 'unsubscribed', code: 103 });
    });
    // An expired copy is answered with 109 (token expired): the SDK must ask the service again, and that
    // request goes through the policy, so a copy kept past a revocation ends at its refresh.
    const expiredCopy = (sub: string, channel: string) => signHs256({ sub, channel, iat: nowSeconds() - 120, exp: nowSeconds() - 60 }, centrifugo.tokenSecret);
    it('an expired subscription token whose holder is still allowed → refreshed through the service, subscribed', async () => {
      let refreshes = 0;
      const fromService = subscriptionTokenFrom(service.url, tokens.ana);
      const client = await connected(tokens.ana);
      const sub = client.newSubscription('billing:acme', { token: expiredCopy('u-ana', 'billing:acme'), getToken: (ctx) => (refreshes++, fromService(ctx)) });
      const expiredError = nextEvent<{ error: { code: number } }>(sub, 'error');
      const subscribed = nextEvent(sub, 'subscribed');
      sub.subscribe();
      expect((await expiredError).error.code).toBe(109);
      await subscribed;
      expect(refreshes).toBe(1);
    });
    it('an expired subscription token whose holder is no longer allowed → the refresh is refused, unsubscribed code 1', async () => {
      const client = await connected(tokens.luis);
      const sub = client.newSubscription('billing:acme', { token: expiredCopy('u-luis', 'billing:acme'), getToken: subscriptionTokenFrom(service.url, tokens.luis) });
      const expiredError = nextEvent<{ error: { code: number } }>(sub, 'error');
      const unsubscribed = nextEvent<{ code: number }>(sub, 'unsubscribed');
      sub.subscribe();
      expect((await expiredError).error.code).toBe(109);
      expect((await unsubscribed).code).toBe(1);
    });
    it('no subscription token at all → unsubscribed 103 permission denied', async () => {
      const client = await connected(tokens.ana);
      const sub = client.newSubscription('deployments:acme');
      const outcome = firstOutcome(client, sub);
      sub.subscribe();
      expect(await outcome).toEqual({ event: 'unsubscribed', code: 103 });
    });
    it('the service refuses the token, the SDK stays unsubscribed → unsubscribed code 1 (unauthorized)', async () => {
      const client = await connected(tokens.ana);
      const sub = client.newSubscription('billing:globex', { getToken: subscriptionTokenFrom(service.url, tokens.ana) });
      const outcome = firstOutcome(client, sub);
      sub.subscribe();
      expect(await outcome).toEqual({ event: 'unsubscribed', code: 1 });
    });
    it('a connection token signed with another secret → disconnected 3500 invalid token', async () => {
      const client = await connected('', { token: signHs256({ sub: 'u-ana', exp: nowSeconds() + 60 }, `not-${randomBytes(8).toString('hex')}`) });
      const ctx = await nextEvent<{ code: number; reason: string }>(client, 'disconnected');
      expect({ code: ctx.code, reason: ctx.reason }).toEqual({ code: 3500, reason: 'invalid token' });
    });

    it('revocation: a permission removed by an operator ends the open subscription within seconds', async () => {
      const client = await connected(tokens.luis);
      const getToken = subscriptionTokenFrom(service.url, tokens.luis);
      const deployments = client.newSubscription('deployments:acme', { getToken });
      const metrics = client.newSubscription('metrics:acme', { getToken });
      deployments.subscribe();
      metrics.subscribe();
      await Promise.all([deployments.ready(30_000), metrics.ready(30_000)]);
      try {
        const ended = nextEvent<{ code: number; reason: string }>(deployments, 'unsubscribed', () => true, 5_000);
        const r = await admin('/v1/admin/users/u-luis/permissions', { permissions: ['metrics:read'] });
        expect(r).toMatchObject({ status: 200, body: { userId: 'u-luis', permissions: ['metrics:read'] } });
        expect(r.body.unsubscribed).toContain('deployments:acme');
        const ctx = await ended;
        expect({ code: ctx.code, reason: ctx.reason }).toEqual({ code: 2000, reason: 'server unsubscribe' });
        // Twin: the subscription still allowed stays.
        expect(metrics.state).toBe('subscribed');
        // New tokens follow the override, although luis's platform token still says deploy:read.
        expect(await subscriptionToken(tokens.luis, 'deployments:acme')).toMatchObject({ status: 403, body: { reason: 'missing_permission' } });
      } finally {
        await admin('/v1/admin/users/u-luis/permissions', { permissions: ['deploy:read', 'metrics:read'] });
      }
      expect((await subscriptionToken(tokens.luis, 'deployments:acme')).status).toBe(200);
    });

    it('suspension: the tenant’s connections are disconnected with 4503 and new tokens are refused', async () => {
      const client = await connected(tokens.sofia);
      const sub = client.newSubscription('billing:globex', { getToken: subscriptionTokenFrom(service.url, tokens.sofia) });
      sub.subscribe();
      await sub.ready(30_000);
      // Another tenant's user is not touched (twin).
      const other = await connected(tokens.ana);
      await other.ready(30_000);
      try {
        const gone = nextEvent<{ code: number; reason: string }>(client, 'disconnected', () => true, 5_000);
        const r = await admin('/v1/admin/tenants/globex/suspension', { suspended: true });
        expect(r).toMatchObject({ status: 200, body: { tenantId: 'globex', suspended: true } });
        const ctx = await gone;
        expect({ code: ctx.code, reason: ctx.reason }).toEqual({ code: 4503, reason: 'tenant suspended' });
        expect(client.state).toBe('disconnected');
        expect(other.state).toBe('connected');
        expect(await connectionToken(tokens.sofia)).toMatchObject({ status: 403, body: { code: 'ERR_FORBIDDEN', reason: 'tenant_suspended' } });
        expect(await subscriptionToken(tokens.sofia, 'billing:globex')).toMatchObject({ status: 403, body: { code: 'ERR_FORBIDDEN', reason: 'tenant_suspended' } });
      } finally {
        await admin('/v1/admin/tenants/globex/suspension', { suspended: false });
      }
      expect((await connectionToken(tokens.sofia)).status).toBe(200);
    });
  });

  describe('production: no demo login, the operator API works with an operator token', () => {
    const strong = () => randomBytes(24).toString('hex');
    it('the demo login is 404; the operator routes answer an operator token and refuse a tenant member', async () => {
      const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', DATA_DIR: 'memory://', AUTH_JWT_SECRET: strong(), INGEST_API_KEYS: strong(), CENTRIFUGO_URL: centrifugo.url, CENTRIFUGO_API_KEY: strong(), CENTRIFUGO_TOKEN_SECRET: strong() });
      expect(config.demoLogin).toBe(false);
      const app = await buildApp(config, { logger: false, relay: false });
      try {
        const sign = (claims: JWTPayload) => new SignJWT({ name: 'Op', permissions: [], iat: nowSeconds(), exp: nowSeconds() + 60, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(config.auth.jwtSecret!));
        const operator = { authorization: `Bearer ${await sign({ sub: 'u-op', tenantId: null, roles: ['admin'] })}` };
        const tenantAdmin = { authorization: `Bearer ${await sign({ sub: 'u-ta', tenantId: 'acme', roles: ['admin'] })}` };
        expect((await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'admin@neo.test', password: 'demo1234' } })).json()).toMatchObject({ status: 404, code: 'ERR_LOGIN_DISABLED' });
        const suspend = (headers: Record<string, string>) => app.inject({ method: 'PUT', url: '/v1/admin/tenants/no-such-tenant/suspension', headers, payload: { suspended: false } });
        expect((await suspend(operator)).statusCode).toBe(200);
        expect((await suspend(tenantAdmin)).json()).toMatchObject({ status: 403, reason: 'admin_only' });
        expect((await app.inject({ method: 'GET', url: '/v1/admin/audit?action=tenant.suspension.set', headers: operator })).json().items).toHaveLength(1);
      } finally {
        await app.close();
      }
    });
  });
});

// Use cases 1 and 2: every read and write route of deployments and notifications goes through THE
// policy. Each denial comes with its allowed twin.
describe('security of the deployment and notification routes', () => {
  let centrifugo: TestCentrifugo;
  let service: TestService;
  const tokens: Record<'ana' | 'luis' | 'sofia' | 'admin', string> = { ana: '', luis: '', sofia: '', admin: '' };
  const get = async (path: string, bearer: string | null): Promise<Answer> => {
    const res = await fetch(`${service.url}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  const post = (path: string, body: unknown, bearer: string | null) => request('POST', `${service.url}${path}`, body, bearer);
  const someId = '0190f2a4-0000-7000-8000-000000000000';

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    service = await startTestService(centrifugo);
    for (const [who, email] of [['ana', 'ana@acme.test'], ['luis', 'luis@acme.test'], ['sofia', 'sofia@globex.test'], ['admin', 'admin@neo.test']] as const) {
      tokens[who] = (await login(service.url, email)).token;
    }
  });
  afterAll(async () => {
    await service?.stop();
    await centrifugo?.stop();
  });

  it('no token: 401 on every route', async () => {
    expect((await get('/v1/tenants/acme/deployments', null)).body.code).toBe('ERR_AUTH_TOKEN_MISSING');
    expect((await get('/v1/tenants/acme/notifications', null)).body.code).toBe('ERR_AUTH_TOKEN_MISSING');
    expect((await post('/v1/tenants/acme/deployments', { instanceType: 'odoo' }, null)).status).toBe(401);
    expect((await post('/v1/tenants/acme/notifications/read-all', {}, null)).status).toBe(401);
  });

  it('another tenant: 403 not_tenant_member on reads and writes; own tenant 200/202', async () => {
    for (const r of [
      await get('/v1/tenants/acme/deployments', tokens.sofia),
      await get('/v1/tenants/acme/deployments/d-1', tokens.sofia),
      await get('/v1/tenants/acme/notifications', tokens.sofia),
      await get(`/v1/tenants/acme/notifications/${someId}`, tokens.sofia),
      await post('/v1/tenants/acme/deployments', { instanceType: 'odoo' }, tokens.sofia),
      await post(`/v1/tenants/acme/notifications/${someId}/read`, {}, tokens.sofia),
      await post('/v1/tenants/acme/notifications/read-all', {}, tokens.sofia),
    ]) expect(r).toMatchObject({ status: 403, body: { code: 'ERR_FORBIDDEN', reason: 'not_tenant_member' } });
    expect((await get('/v1/tenants/globex/deployments', tokens.sofia)).status).toBe(200);
    expect((await get('/v1/tenants/globex/notifications', tokens.sofia)).status).toBe(200);
    expect((await post('/v1/tenants/globex/deployments', { instanceType: 'odoo' }, tokens.sofia)).status).toBe(202);
  });

  it('missing permission: luis (no billing:read, no deploy:write) gets 403 missing_permission; his deploy:read reads', async () => {
    expect(await get('/v1/tenants/acme/notifications', tokens.luis)).toMatchObject({ status: 403, body: { reason: 'missing_permission' } });
    expect(await post('/v1/tenants/acme/notifications/read-all', {}, tokens.luis)).toMatchObject({ status: 403, body: { reason: 'missing_permission' } });
    expect(await post('/v1/tenants/acme/deployments', { instanceType: 'wazuh' }, tokens.luis)).toMatchObject({ status: 403, body: { reason: 'missing_permission' } });
    expect((await get('/v1/tenants/acme/deployments', tokens.luis)).status).toBe(200);
    expect((await get('/v1/tenants/acme/notifications', tokens.ana)).status).toBe(200);
  });

  it('operators read a tenant’s notifications but cannot mark them read for its users', async () => {
    expect((await get('/v1/tenants/acme/notifications', tokens.admin)).status).toBe(200);
    expect(await post('/v1/tenants/acme/notifications/read-all', {}, tokens.admin)).toMatchObject({ status: 403, body: { reason: 'not_tenant_member' } });
  });

  it('bad input is a 4xx problem: invalid tenant 400, bad ids 400, unknown 404, deployer claim needs the ingest key', async () => {
    // A malformed path tenant id is the params check's 400 on every route (tenant-params.test.ts has them all).
    expect(await get('/v1/tenants/ACME!/deployments', tokens.ana)).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION', errors: [{ path: 'params.tenantId' }] } });
    expect((await get('/v1/tenants/acme/deployments/..%2Fx', tokens.ana)).status).toBe(400);
    expect((await get('/v1/tenants/acme/notifications/not-a-uuid', tokens.ana)).status).toBe(400);
    expect((await get('/v1/tenants/acme/notifications?type=nope', tokens.ana)).status).toBe(400);
    expect(await get('/v1/tenants/acme/deployments/never-started', tokens.ana)).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
    expect(await post(`/v1/tenants/acme/notifications/${someId}/read`, {}, tokens.ana)).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
    expect((await post('/v1/tenants/acme/deployments', { instanceType: 'odoo', extra: 1 }, tokens.ana)).status).toBe(400);
    expect(await post('/v1/deployer/claim', {}, tokens.ana)).toMatchObject({ status: 401, body: { code: 'ERR_INGEST_KEY_INVALID' } });
    expect((await post('/v1/deployer/claim', {}, service.ingestKey)).status).toBe(200);
  });
});
