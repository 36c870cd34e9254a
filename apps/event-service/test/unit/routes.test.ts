import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { ERRORS } from '@neo/contracts';
import { buildApp } from '../../src/app';
import { testConfig } from '../helpers/service';
import type { Config } from '../../src/config';

// Routes through inject(): no port, no Centrifugo needed for these paths.
describe('event service routes (inject)', () => {
  let app: FastifyInstance;
  let config: Config;
  beforeAll(async () => {
    config = testConfig(undefined, { BODY_LIMIT: '4096' });
    app = await buildApp(config, { logger: false });
  });
  afterAll(() => app.close());

  const ingest = (body: unknown, key: string | null = config.ingestKeys[0]!) =>
    app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const loginAs = async (email: string) => (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'demo1234' } })).json().token as string;

  it('healthz answers', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
  });

  it('serves the OpenAPI document', async () => {
    const doc = (await app.inject('/docs/json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/auth/login', '/v1/realtime/connection-token', '/v1/realtime/subscription-token']));
  });

  describe('ingest bad input', () => {
    it('401 without an ingest key', async () => {
      const r = await ingest({ type: 'alert', data: {} }, null);
      expect(r.statusCode).toBe(401);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.json()).toMatchObject({ code: 'ERR_INGEST_KEY_MISSING', status: 401 });
    });
    it('401 with a wrong ingest key', async () => {
      expect((await ingest({ type: 'alert', data: {} }, 'nope')).json()).toMatchObject({ code: 'ERR_INGEST_KEY_INVALID' });
    });
    it('400 with the failing field paths', async () => {
      const r = await ingest({ type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'd', progress: 101 } });
      expect(r.statusCode).toBe(400);
      expect(r.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['data.currentStep', 'data.progress']);
    });
    it('400 for an unknown type', async () => {
      const r = await ingest({ type: 'deployment_teleport', tenantId: 'acme', data: {} });
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('ERR_UNKNOWN_EVENT_TYPE');
    });
    it('400 with paths inside a batch', async () => {
      const r = await ingest({ events: [{ type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'pro' } }, { type: 'billing_plan_change', tenantId: 'Bad', data: {} }] });
      expect(r.statusCode).toBe(400);
      expect(r.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['events.1.data.toPlan', 'events.1.tenantId']);
    });
    it('400 for malformed JSON', async () => {
      const r = await ingest('{"type":');
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('ERR_BAD_JSON');
    });
    it('413 for a body over the limit', async () => {
      const r = await ingest({ type: 'alert', data: { rule: 'x', severity: 'info', message: 'x'.repeat(5000) } });
      expect(r.statusCode).toBe(413);
      expect(r.json().code).toBe('ERR_BODY_TOO_LARGE');
    });
    it('415 for a body that is not JSON', async () => {
      const r = await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'text/plain', authorization: `Bearer ${config.ingestKeys[0]}` }, payload: 'hello' });
      expect(r.statusCode).toBe(415);
    });
  });

  describe('login and tokens', () => {
    it('refuses a wrong password with 401', async () => {
      const r = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'ana@acme.test', password: 'wrong' } });
      expect(r.statusCode).toBe(401);
      expect(r.json().code).toBe('ERR_LOGIN_FAILED');
    });
    it('400 for a login body with missing fields', async () => {
      const r = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'ana@acme.test' } });
      expect(r.statusCode).toBe(400);
      expect(r.json().errors[0].path).toBe('body.password');
    });
    it('issues a short-lived connection token with presence info', async () => {
      const token = await loginAs('ana@acme.test');
      const r = await app.inject({ method: 'POST', url: '/v1/realtime/connection-token', headers: { authorization: `Bearer ${token}` } });
      expect(r.statusCode).toBe(200);
      const claims = decodeJwt(r.json().token);
      expect(claims).toMatchObject({ sub: 'u-ana', info: { name: 'Ana Torres', tenantId: 'acme' } });
      expect(claims.exp! - claims.iat!).toBe(config.centrifugo.connectionTokenTtl);
    });
    it('issues a subscription token bound to the user and the exact channel', async () => {
      const token = await loginAs('ana@acme.test');
      const r = await app.inject({ method: 'POST', url: '/v1/realtime/subscription-token', headers: { authorization: `Bearer ${token}` }, payload: { channel: 'billing:acme' } });
      expect(decodeJwt(r.json().token)).toMatchObject({ sub: 'u-ana', channel: 'billing:acme' });
    });
    it('403 for another tenant, 400 for a malformed channel, 401 for a malformed token', async () => {
      const token = await loginAs('ana@acme.test');
      const sub = (channel: string, bearer = token) => app.inject({ method: 'POST', url: '/v1/realtime/subscription-token', headers: { authorization: `Bearer ${bearer}` }, payload: { channel } });
      expect((await sub('billing:globex')).json()).toMatchObject({ status: 403, code: 'ERR_FORBIDDEN', reason: 'not_tenant_member' });
      expect((await sub('billing:acme#u-ana')).json()).toMatchObject({ status: 400, code: 'ERR_INVALID_CHANNEL' });
      expect((await sub('billing:acme', 'not.a.jwt')).json()).toMatchObject({ status: 401, code: 'ERR_AUTH_TOKEN_MALFORMED' });
    });
  });

  it('answers unknown routes with a 404 problem document', async () => {
    const r = await app.inject('/v1/nothing-here');
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('ERR_NOT_FOUND');
  });

  it('answers what the router refuses before any route with a problem document naming the part', async () => {
    const badUrl = await app.inject('/v1/tenants/%C0%80/presence');
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.headers['content-type']).toContain('application/problem+json');
    expect(badUrl.json()).toMatchObject({ code: 'ERR_VALIDATION', errors: [{ path: 'url' }] });
    // A parameter longer than the router's default limit (100) reaches the route's schema.
    const token = await loginAs('admin@neo.test');
    const longId = await app.inject({ method: 'PUT', url: `/v1/admin/users/${'u'.repeat(150)}/permissions`, headers: { authorization: `Bearer ${token}` }, payload: { permissions: [] } });
    expect(longId.statusCode).not.toBe(414);
    expect(longId.statusCode).toBeLessThan(500);
    const tooLong = await app.inject({ method: 'PUT', url: `/v1/admin/users/${'u'.repeat(300)}/permissions`, headers: { authorization: `Bearer ${token}` }, payload: { permissions: [] } });
    expect(tooLong.json()).toMatchObject({ code: 'ERR_VALIDATION', errors: [{ path: 'params.userId' }] });
  });

  it('answers a bare OPTIONS as a preflight, not with a text/plain 400', async () => {
    const r = await app.inject({ method: 'OPTIONS', url: '/v1/events' });
    expect(r.statusCode).toBe(204);
  });

  it('every catalogue code is documented in docs/errors.md', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ERRORS)) expect(doc, `${code} missing from docs/errors.md`).toContain(`\`${code}\``);
  });
});
