import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app';
import { testConfig } from './service';
import { DATABASE_KINDS } from './database';
import { corruptedClaims, SEEDED_DEPLOYMENTS, SEEDED_NOTIFICATION_IDS, startTotalityFixture, type TotalityFixture } from './totality-fixture';
import { assertSeeded, checkReady, checkTotal, FC_RUNS, named, operationsOf, requestArbitrary, toRawRequest, weighted, type Operation, type RequestOptions } from './totality';
import type { Overrides } from './arbitraries';

/*
 * The per-route totality suite (issue 17), shared by the files that split the routes between them so
 * that the integration tier runs them side by side. The routes and their schemas come from the
 * service's own OpenAPI document (derived from the contract's zod schemas), so a new route is covered
 * the day it is added.
 */

const openApi = await (async () => {
  const app = await buildApp(testConfig(), { logger: false, relay: false });
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return doc as unknown as Parameters<typeof operationsOf>[0];
})();

/** Routes outside the OpenAPI document: Prometheus, the docs UI and its files, CORS preflight. */
const EXTRA: Operation[] = [
  { method: 'GET', path: '/metrics', params: { type: 'object' }, query: { type: 'object' }, body: null, caller: 'none' },
  { method: 'GET', path: '/docs/json', params: { type: 'object' }, query: { type: 'object' }, body: null, caller: 'none' },
  { method: 'GET', path: '/docs/static/{file}', params: { type: 'object', properties: { file: { type: 'string' } }, required: ['file'] }, query: { type: 'object' }, body: null, caller: 'none' },
  { method: 'OPTIONS', path: '/v1/events', params: { type: 'object' }, query: { type: 'object' }, body: null, caller: 'none' },
];

// Administration changes state other runs rely on (suspension, permissions, revocations): run it last, on ids of its own.
const changesAccess = (op: Operation) => op.path.startsWith('/v1/admin') && op.method !== 'GET';
export const OPERATIONS = [...operationsOf(openApi), ...EXTRA].sort((a, b) => Number(changesAccess(a)) - Number(changesAccess(b)));

const mostly = <T>(usual: T[], other: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: other });
const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

/** Valid-looking values that reach rows that exist: the way past the policy and `404`s to the stores. */
const OVERRIDES: Overrides = {
  tenantId: mostly(['acme', 'acme', 'globex'], fc.string({ maxLength: 70 })),
  deploymentId: mostly(SEEDED_DEPLOYMENTS, fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/)),
  id: mostly(SEEDED_NOTIFICATION_IDS, fc.uuid()),
  channel: mostly(['billing:acme', 'deployments:acme', 'presence:acme', 'metrics:acme', 'alerts:acme', 'admin:metrics', 'admin:alerts', 'billing:globex'], fc.string({ maxLength: 300 })),
  cursor: mostly([cursorOf('p:99999999999999'), cursorOf('n:99999999999999'), cursorOf('p:999999999999999999'), cursorOf('n:0')], fc.string({ maxLength: 200 })),
  email: mostly(['ana@acme.test', 'admin@neo.test', 'nadie@acme.test'], fc.string({ maxLength: 200 })),
  password: mostly(['demo1234', 'wrong'], fc.string({ maxLength: 200 })),
};

function optionsFor(op: Operation): RequestOptions {
  const admin = op.path.startsWith('/v1/admin');
  const credentials: RequestOptions['credentials'] =
    op.caller === 'ingest' ? [weighted(10, named('ingest')), weighted(1, named('ana'))]
    : op.caller === 'none' ? [weighted(4, fc.constant({ kind: 'literal', header: null })), weighted(1, named('ana'))]
    : [weighted(admin ? 2 : 8, named('ana')), weighted(admin ? 8 : 2, named('admin')), weighted(2, named('luis', 'sofia', 'expired', 'ingest')), weighted(2, corruptedClaims)];
  const overrides = { ...OVERRIDES };
  // Suspension and permission changes only ever hit a tenant and users no other run relies on.
  if (op.path.includes('/suspension')) overrides.tenantId = mostly(['umbrella', 'initech'], fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/).filter((t) => t !== 'acme' && t !== 'globex'));
  if (op.path.includes('/users/')) overrides.userId = mostly(['u-fuzz', 'auth0|fuzz'], fc.string({ maxLength: 210 }).filter((u) => !u.startsWith('u-')));
  return { overrides, credentials };
}

/**
 * Fewer runs where more find nothing new, to keep the file's time sane: routes without params, query or
 * body only vary in path and headers, and login hashes the password with scrypt on every call (by design).
 */
const runsFor = (op: Operation) => {
  const inputs = Object.keys(op.params.properties ?? {}).length + Object.keys(op.query.properties ?? {}).length + (op.body ? 1 : 0);
  return op.path === '/v1/auth/login' || inputs === 0 ? Math.ceil(FC_RUNS / 4) : FC_RUNS;
};

/** Operator routes and the deployer's claim: everything that is not a tenant's or a user's own. */
export const isPlatformRoute = (op: Operation) => op.path.startsWith('/v1/admin') || op.path.startsWith('/v1/deployer');

/** Declares the suite for the operations `select` picks, on every database kind. */
export function describeTotality(title: string, select: (op: Operation) => boolean): void {
  const operations = OPERATIONS.filter(select);
  describe.each(DATABASE_KINDS)(`${title} on %s`, (kind) => {
    let fixture: TotalityFixture;

    beforeAll(async () => {
      fixture = await startTotalityFixture(kind);
    });
    afterAll(async () => {
      await fixture?.stop();
    });

    it('has routes to cover', () => {
      expect(operations.length).toBeGreaterThan(5);
    });

    it.each(operations.map((op) => [`${op.method} ${op.path}`, op] as const))('%s', async (_name, op) => {
      const url = fixture.service.url;
      await assertSeeded(requestArbitrary(op, optionsFor(op)), async (generated) => {
        await checkTotal(url, toRawRequest(op, generated, (c) => fixture.authorization(c)));
        // Every run: the database still answers; after the property: the whole service is ready.
        await fixture.service.app.database.ping();
      }, runsFor(op));
      await checkReady(url);
    });
  });
}
