import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, CreatedIngestKey, IngestKeyView } from '@neo/contracts';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login, requestJson } from '../helpers/client';
import { eventually } from '../helpers/wait';
import { ROOT } from '../../../../scripts/lib/paths.mjs';

// Issue "Production access", scoped producer keys: a key belongs to a named producer and may publish only
// its event types for its tenants; anything outside refuses the whole request and stores nothing. Keys
// are stored hashed, shown once, revoked everywhere within ACCESS_SYNC_MS, and every change is audited.

const call = requestJson;

const invoice = (tenantId: string, invoiceId: string) => ({ type: 'billing_invoice', tenantId, data: { invoiceId, amount: 100, currency: 'MXN' } });
const start = (tenantId: string, deploymentId: string) => ({ type: 'deployment_start', tenantId, data: { deploymentId, instanceType: 'odoo' } });
const hostMetrics = () => ({ type: 'metrics_update', data: { cpu: 10, memory: 20, disk: 30, networkIn: 1, networkOut: 1, uptime: 5 } });

/** Runs `npm run keys -- …` (the CLI through tsx, as an operator would) against `env`'s database. */
function keysCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'apps/event-service/src/cli/keys.ts'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe.each(DATABASE_KINDS)('scoped ingest keys (%s)', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  let second: TestService | undefined;
  let admin = '';
  let ana = '';
  let sofia = '';
  let acmeBilling: CreatedIngestKey;

  const url = (p: string, to: TestService = service) => `${to.url}${p}`;
  const createKey = (body: unknown, bearer: string | null = admin) => call('POST', url('/v1/admin/ingest-keys'), bearer, body);
  const ingest = (key: string, body: unknown, to: TestService = service) => call('POST', url('/v1/events', to), key, body);
  const history = async (channel: string) => (await call('GET', url(`/v1/history?channel=${channel}`), admin)).body.items as unknown[];

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    service = await startTestService(centrifugo, { ...db.env, ACCESS_SYNC_MS: '500' });
    if (kind === 'postgres') second = await startTestService(centrifugo, { ...db.env, ACCESS_SYNC_MS: '500', AUTH_JWT_SECRET: service.config.auth.jwtSecret!, INGEST_API_KEYS: service.ingestKey });
    admin = (await login(service.url, 'admin@neo.test')).token;
    ana = (await login(service.url, 'ana@acme.test')).token;
    sofia = (await login(service.url, 'sofia@globex.test')).token;
    const r = await createKey({ name: 'billing-acme', eventTypes: ['billing_invoice', 'billing_payment'], tenants: ['acme'] });
    expect(r.status).toBe(201);
    acmeBilling = r.body;
  });
  afterAll(async () => {
    await second?.stop();
    await service?.stop();
    await centrifugo?.stop();
    await db?.drop();
  });

  describe('creating and listing', () => {
    it('201 with the key shown once; the list never shows it; the key is stored only as a hash', async () => {
      expect(acmeBilling).toMatchObject({ id: expect.any(String), name: 'billing-acme', key: expect.stringMatching(/^nsk_[A-Za-z0-9_-]{43}$/), eventTypes: ['billing_invoice', 'billing_payment'], tenants: ['acme'], createdAt: expect.any(String) });
      const list = await call('GET', url('/v1/admin/ingest-keys'), admin);
      const listed = (list.body.items as IngestKeyView[]).find((k) => k.id === acmeBilling.id)!;
      expect(listed).toEqual({ id: acmeBilling.id, name: 'billing-acme', eventTypes: ['billing_invoice', 'billing_payment'], tenants: ['acme'], createdAt: acmeBilling.createdAt, lastUsedAt: null, revokedAt: null });
      expect(JSON.stringify(list.body)).not.toContain(acmeBilling.key);
      const stored = await service.app.database.rows<{ key_hash: string }>((await import('drizzle-orm')).sql`select key_hash from ingest_keys where id = ${acmeBilling.id}`);
      expect(stored[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored[0]!.key_hash).not.toContain(acmeBilling.key);
    });

    it.each([
      ['an unknown event type', { name: 'x', eventTypes: ['deployment_start', 'nope'], tenants: ['acme'] }, 'body.eventTypes.1'],
      ['a malformed tenant id', { name: 'x', eventTypes: ['*'], tenants: ['Acme Corp'] }, 'body.tenants.0'],
      ['an empty name', { name: '  ', eventTypes: ['*'], tenants: ['acme'] }, 'body.name'],
      ['"*" mixed with others', { name: 'x', eventTypes: ['*', 'alert'], tenants: ['acme'] }, 'body.eventTypes'],
      ['no tenants', { name: 'x', eventTypes: ['*'], tenants: [] }, 'body.tenants'],
      ['an extra field', { name: 'x', eventTypes: ['*'], tenants: ['acme'], admin: true }, 'body'],
    ])('bad input: %s → 400 naming the field, nothing created', async (_name, body, field) => {
      const before = (await call('GET', url('/v1/admin/ingest-keys'), admin)).body.items.length;
      const r = await createKey(body);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('ERR_VALIDATION');
      expect(r.body.errors.map((e: { path: string }) => e.path).join(' ')).toContain(field);
      expect((await call('GET', url('/v1/admin/ingest-keys'), admin)).body.items.length).toBe(before);
    });

    it('non-operators get 403, no token 401 (and nothing is created)', async () => {
      expect((await createKey({ name: 'x', eventTypes: ['*'], tenants: ['*'] }, ana)).body).toMatchObject({ status: 403, reason: 'admin_only' });
      expect((await call('GET', url('/v1/admin/ingest-keys'), ana)).status).toBe(403);
      expect((await call('DELETE', url(`/v1/admin/ingest-keys/${acmeBilling.id}`), ana)).status).toBe(403);
      expect((await createKey({ name: 'x', eventTypes: ['*'], tenants: ['*'] }, null)).status).toBe(401);
    });
  });

  describe('publishing inside and outside the scope', () => {
    it('twin: an event inside the scope is accepted', async () => {
      expect((await ingest(acmeBilling.key, invoice('acme', 'F-IN-1'))).status).toBe(202);
    });

    it.each([
      ['another event type', () => start('acme', 'd-scope-1'), 'event type deployment_start'],
      ['another tenant', () => invoice('globex', 'F-OUT-1'), 'tenant globex'],
    ])('refuses %s: 403 ERR_INGEST_SCOPE, nothing stored', async (_name, event, message) => {
      const r = await ingest(acmeBilling.key, event());
      expect(r).toMatchObject({ status: 403, body: { code: 'ERR_INGEST_SCOPE', errors: [{ path: '(root)', message: expect.stringContaining(message) }] } });
    });

    it('refuses an operator channel (admin:metrics) to a key whose type fits but whose tenants are not "*"', async () => {
      const tenantMetrics = (await createKey({ name: 'metrics-acme', eventTypes: ['metrics_update'], tenants: ['acme'] })).body as CreatedIngestKey;
      expect((await ingest(tenantMetrics.key, { ...hostMetrics(), tenantId: 'acme' })).status).toBe(202);
      const r = await ingest(tenantMetrics.key, hostMetrics());
      expect(r).toMatchObject({ status: 403, body: { code: 'ERR_INGEST_SCOPE', errors: [{ path: '(root)', message: expect.stringContaining('operator channels') }] } });
    });

    it('a mixed batch is refused whole, naming the offending indexes; none of it is stored', async () => {
      const r = await ingest(acmeBilling.key, { events: [invoice('acme', 'F-MIX-1'), invoice('globex', 'F-MIX-2'), invoice('acme', 'F-MIX-3'), start('acme', 'd-mix')] });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('ERR_INGEST_SCOPE');
      expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(['events.1', 'events.3']);
      expect(r.body.detail).toContain('events.1, events.3');
      const stored = JSON.stringify([...(await history('billing:acme')), ...(await history('billing:globex')), ...(await history('deployments:acme'))]);
      expect(stored).not.toMatch(/F-MIX|d-mix/);
      expect(stored).toContain('F-IN-1'); // the twin above was stored
    });

    it('a key scoped to every tenant may publish to operator channels; a bootstrap key has full scope (twins)', async () => {
      const platform = await createKey({ name: 'host-metrics', eventTypes: ['metrics_update'], tenants: ['*'] });
      expect((await ingest(platform.body.key, hostMetrics())).status).toBe(202);
      expect((await ingest(service.ingestKey, { events: [hostMetrics(), invoice('globex', 'F-BOOT-1'), start('acme', 'd-boot')] })).status).toBe(202);
    });

    it('a key created on one instance works on another at once', async () => {
      if (!second) return;
      const fresh = await createKey({ name: 'billing-globex', eventTypes: ['billing_invoice'], tenants: ['globex'] });
      expect((await ingest(fresh.body.key, invoice('globex', 'F-SECOND-1'), second)).status).toBe(202);
    });

    it('an unknown or malformed key is 401, whatever it looks like', async () => {
      for (const key of ['nsk_' + 'A'.repeat(43), 'not-a-key', 'x'.repeat(600)]) {
        expect((await ingest(key, invoice('acme', 'F-X'))).body.code).toBe('ERR_INGEST_KEY_INVALID');
      }
    });
  });

  describe('the deployer claim hands a key only its tenants’ requests', () => {
    it('a key for acme claims acme’s request and never globex’s; a key for globex the other; each claim audited', async () => {
      const deployerAcme = (await createKey({ name: 'deployer-acme', eventTypes: ['deployment_start', 'deployment_progress', 'deployment_complete', 'deployment_error'], tenants: ['acme'] })).body as CreatedIngestKey;
      const deployerGlobex = (await createKey({ name: 'deployer-globex', eventTypes: ['deployment_start'], tenants: ['globex'] })).body as CreatedIngestKey;
      // Requests made before (other tests) were claimed by nobody yet: clear them with a full-scope claim.
      await call('POST', url('/v1/deployer/claim'), service.ingestKey, { limit: 50 });
      const mine = (await call('POST', url('/v1/tenants/acme/deployments'), ana, { instanceType: 'odoo' })).body.deploymentId as string;
      const theirs = (await call('POST', url('/v1/tenants/globex/deployments'), sofia, { instanceType: 'wazuh' })).body.deploymentId as string;
      const claimed = (await call('POST', url('/v1/deployer/claim'), deployerAcme.key, { limit: 50 })).body.requests as Array<{ deploymentId: string; tenantId: string }>;
      expect(claimed.map((r) => r.deploymentId)).toEqual([mine]);
      expect((await call('POST', url('/v1/deployer/claim'), deployerAcme.key, { limit: 50 })).body.requests).toEqual([]);
      expect((await call('POST', url('/v1/deployer/claim'), deployerGlobex.key, { limit: 50 })).body.requests.map((r: { deploymentId: string }) => r.deploymentId)).toEqual([theirs]);
      const claims = (await call('GET', url('/v1/admin/audit?action=deployment_request.claim'), admin)).body.items as AuditEntry[];
      expect(claims.find((e) => e.target === `deployment:${mine}`)).toMatchObject({ actor: { kind: 'ingest_key', id: deployerAcme.id }, tenantId: 'acme' });
      expect(claims.find((e) => e.target === `deployment:${theirs}`)).toMatchObject({ actor: { kind: 'ingest_key', id: deployerGlobex.id }, tenantId: 'globex' });
      // And it completes only its own tenant's deployments: globex is outside its scope.
      expect((await ingest(deployerAcme.key, start('globex', theirs))).status).toBe(403);
    });
  });

  describe('revoking', () => {
    it('DELETE → 204; the key is refused at once here and within 5 s on every other instance; audited', async () => {
      const doomed = (await createKey({ name: 'doomed', eventTypes: ['billing_invoice'], tenants: ['acme'] })).body as CreatedIngestKey;
      expect((await ingest(doomed.key, invoice('acme', 'F-DOOM-1'))).status).toBe(202);
      if (second) expect((await ingest(doomed.key, invoice('acme', 'F-DOOM-2'), second)).status).toBe(202);
      expect((await call('DELETE', url(`/v1/admin/ingest-keys/${doomed.id}`), admin)).status).toBe(204);
      expect((await ingest(doomed.key, invoice('acme', 'F-DOOM-3'))).body).toMatchObject({ status: 401, code: 'ERR_INGEST_KEY_INVALID' });
      if (second) {
        const revokedAt = Date.now();
        await eventually(async () => expect((await ingest(doomed.key, invoice('acme', 'F-DOOM-4'), second)).status).toBe(401), 5_000, 50);
        expect(Date.now() - revokedAt).toBeLessThan(5_000);
      }
      const listed = ((await call('GET', url('/v1/admin/ingest-keys'), admin)).body.items as IngestKeyView[]).find((k) => k.id === doomed.id)!;
      expect(listed.revokedAt).toEqual(expect.any(String));
      await eventually(async () => {
        const l = ((await call('GET', url('/v1/admin/ingest-keys'), admin)).body.items as IngestKeyView[]).find((k) => k.id === doomed.id)!;
        expect(l.lastUsedAt).toEqual(expect.any(String));
      }, 5_000, 200);
      const entries = (await call('GET', url('/v1/admin/audit?actor=u-admin'), admin)).body.items as AuditEntry[];
      expect(entries.find((e) => e.action === 'ingest_key.revoke' && e.target === `ingest_key:${doomed.id}`)).toBeDefined();
      expect(entries.find((e) => e.action === 'ingest_key.create' && e.target === `ingest_key:${doomed.id}`)).toMatchObject({ details: { name: 'doomed', eventTypes: ['billing_invoice'], tenants: ['acme'] } });
    });

    it('an unknown id is 404, a malformed one 400', async () => {
      expect((await call('DELETE', url('/v1/admin/ingest-keys/01a23486-e5f3-79ad-93d3-4fa9437d3be1'), admin)).body).toMatchObject({ status: 404, code: 'ERR_NOT_FOUND' });
      expect((await call('DELETE', url('/v1/admin/ingest-keys/not-a-uuid'), admin)).body).toMatchObject({ status: 400, code: 'ERR_VALIDATION' });
    });
  });

  describe('npm run keys (the first key of a new install)', () => {
    it('creates a scoped key the running service accepts, lists it, revokes it; bad input exits 2 and creates nothing', async () => {
      if (!db.url) return; // PGlite belongs to the running service's process (the CLI would be refused: the folder is locked)
      const env = { DATABASE_URL: db.url };
      const bad = await keysCli(['create', '--name', 'x', '--types', 'nope', '--tenants', 'acme'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^keys: --types: an event type/);
      const created = await keysCli(['create', '--name', 'cli-billing', '--types', 'billing_invoice', '--tenants', 'globex', '--json'], env);
      expect(created.code).toBe(0);
      const key = JSON.parse(created.stdout) as CreatedIngestKey;
      expect(await eventually(async () => (await ingest(key.key, invoice('globex', 'F-CLI-1'))).status, 5_000)).toBe(202);
      expect((await ingest(key.key, invoice('acme', 'F-CLI-2'))).status).toBe(403);
      const listed = await keysCli(['list', '--json'], env);
      expect((JSON.parse(listed.stdout) as IngestKeyView[]).map((k) => k.name)).toContain('cli-billing');
      expect(listed.stdout).not.toContain(key.key);
      expect((await keysCli(['revoke', key.id], env)).code).toBe(0);
      await eventually(async () => expect((await ingest(key.key, invoice('globex', 'F-CLI-3'))).status).toBe(401), 5_000, 100);
      const audit = (await call('GET', url('/v1/admin/audit?action=ingest_key.create'), admin)).body.items as AuditEntry[];
      expect(audit.find((e) => e.target === `ingest_key:${key.id}`)?.actor).toMatchObject({ kind: 'user', id: expect.stringMatching(/^cli:/) });
    });
  });
});
