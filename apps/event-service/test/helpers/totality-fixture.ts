import fc from 'fast-check';
import { EventClient } from '@neo/publisher-sdk';
import { startTestCentrifugo, type TestCentrifugo } from './centrifugo';
import { startTestService, type TestService } from './service';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './database';
import { login } from './client';
import { badChar, corrupt, corruptions, nastyValue } from './arbitraries';
import type { Credential } from './totality';
import { signHs256, nowSeconds } from '../../src/auth/jwt';

/** Invoices stored before the runs, so that notification routes find real rows. */
export const SEEDED_NOTIFICATION_IDS = ['0190a000-0000-7000-8000-000000000001', '0190a000-0000-7000-8000-000000000002'];
/** Deployments stored before the runs, so that deployment reads and progress events find real rows. */
export const SEEDED_DEPLOYMENTS = ['dep-a', 'dep-b'];

/** A real service on a real database and a real Centrifugo, with demo users logged in and a few rows. */
export interface TotalityFixture {
  service: TestService;
  /** `Authorization` header value for a credential. */
  authorization(credential: Credential): string | null;
  stop(): Promise<void>;
}

export async function startTotalityFixture(kind: DatabaseKind): Promise<TotalityFixture> {
  const centrifugo: TestCentrifugo = await startTestCentrifugo();
  const db: TestDatabase = await createTestDatabase(kind);
  // Limits high enough that the runs reach the routes rather than the rate limiter.
  const service = await startTestService(centrifugo, { ...db.env, RATE_LIMIT_TOKENS_PER_MINUTE: '1000000', RATE_LIMIT_INGEST_PER_SECOND: '1000000' });
  const tokens: Record<string, string> = {};
  for (const [name, email] of [['ana', 'ana@acme.test'], ['luis', 'luis@acme.test'], ['sofia', 'sofia@globex.test'], ['admin', 'admin@neo.test']] as const) {
    tokens[name] = (await login(service.url, email)).token;
  }
  tokens.ingest = service.ingestKey;
  tokens.expired = signHs256({ sub: 'u-ana', name: 'Ana', tenantId: 'acme', roles: [], permissions: [], iat: 1, exp: 2 }, service.config.auth.jwtSecret!);
  const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey, maxAttempts: 1 });
  await producer.publishBatch([
    ...SEEDED_DEPLOYMENTS.map((deploymentId) => ({ type: 'deployment_start' as const, tenantId: 'acme', data: { deploymentId, instanceType: 'odoo' as const, steps: ['Preparar', 'Instalar'] } })),
    ...SEEDED_NOTIFICATION_IDS.map((id, i) => ({ id, type: 'billing_invoice' as const, tenantId: 'acme', data: { invoiceId: `INV-${i}`, amount: 10, currency: 'MXN' } })),
  ]);
  return {
    service,
    authorization(c) {
      if (c.kind === 'literal') return c.header;
      if (c.kind === 'named') return `Bearer ${tokens[c.name]}`;
      const claims = c.claims && typeof c.claims === 'object' && !Array.isArray(c.claims) ? c.claims : { claims: c.claims };
      const now = nowSeconds();
      return `Bearer ${signHs256({ ...claims, iat: now, exp: now + 600 }, service.config.auth.jwtSecret!)}`;
    },
    async stop() {
      await service?.stop();
      await db?.drop();
      await centrifugo?.stop();
    },
  };
}

/** A short text with one bad character in it. */
const textWith = (usual: string) => fc.tuple(fc.nat({ max: usual.length }), badChar).map(([at, ch]) => usual.slice(0, at) + ch + usual.slice(at));

/** A token signed with the service's own secret whose claims are corrupted: the identity provider as an attacker. */
export const corruptedClaims: fc.Arbitrary<Credential> = fc
  .tuple(
    fc.record({
      sub: fc.oneof(fc.constantFrom('u-ana', 'u-fuzz'), textWith('u-fuzz'), nastyValue),
      name: fc.oneof(fc.constant('Ana Torres'), textWith('Ana Torres'), nastyValue),
      tenantId: fc.constantFrom('acme', null, 'globex'),
      roles: fc.oneof(fc.constantFrom(['owner'], ['admin'], []), textWith('owner').map((r) => [r])),
      permissions: fc.oneof(fc.constant(['deploy:read', 'deploy:write', 'billing:read', 'metrics:read', 'alerts:read']), textWith('billing:read').map((p) => ['deploy:write', p])),
    }),
    corruptions(1),
  )
  .map(([claims, list]): Credential => ({ kind: 'claims', claims: corrupt(claims, list) }));
