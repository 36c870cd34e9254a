import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_ID_REGEX_SOURCE } from '@neo/contracts';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { login } from '../helpers/client';
import { sendRaw, type RawResponse } from '../helpers/raw-http';
import { operationsOf, type Operation } from '../helpers/totality';

/*
 * Issue 13: one tenant-id rule on every route with a `:tenantId` param. A malformed id answers 400
 * ERR_VALIDATION naming `params.tenantId` and the rule, the same for every caller (so it never says
 * whether a tenant exists), never a 500 from `tenantChannel()`; a missing token is still 401 first. The
 * routes come from the service's own OpenAPI document, checked against Fastify's route table, so a route
 * added tomorrow is in the table the day it is added.
 */

/** Malformed ids as they go on the wire (already percent-encoded where a client would encode them). */
const MALFORMED: Array<[string, string]> = [
  ['upper case', 'ACME'],
  ['a "!"', 'acme!'],
  ['too long by one (64)', 'a'.repeat(64)],
  ['far too long (300)', 'a'.repeat(300)],
  ['empty', ''],
  ['a space', '%20'],
  ['a leading dash', '-acme'],
  ['".."', '..'],
  ['".." encoded', '%2E%2E'],
  ['an encoded "/"', 'acme%2Fglobex'],
  ['a ":" (a channel separator)', 'acme:billing'],
  ['a "#" encoded (Centrifugo\'s user separator)', 'acme%23u-ana'],
  ['non-ASCII', 'acm%C3%A9'],
  ['a NUL', 'acme%00'],
];

/** Valid values for the routes' other params: only the tenant id is ever wrong here. */
const OTHER_PARAMS: Record<string, string> = { deploymentId: 'd-1', id: '00000000-0000-7000-8000-000000000000' };

const RULE = `a tenant id: 1–63 lower-case letters, digits or "-", not starting with "-" (${TENANT_ID_REGEX_SOURCE})`;

/** Every route of Fastify's route table as `METHOD /path/{param}`, read from `printRoutes` (HEAD left out: Fastify adds it to each GET). */
function routeTable(printed: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of printed.split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack.push(path);
    for (const method of m[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return routes;
}

describe('every route with a :tenantId param validates it with the one tenant rule', () => {
  let centrifugo: TestCentrifugo;
  let service: TestService;
  let operations: Operation[];
  const tokens: Record<'ana' | 'sofia' | 'admin', string> = { ana: '', sofia: '', admin: '' };

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    service = await startTestService(centrifugo);
    for (const [who, email] of [['ana', 'ana@acme.test'], ['sofia', 'sofia@globex.test'], ['admin', 'admin@neo.test']] as const) tokens[who] = (await login(service.url, email)).token;
    const doc = service.app.swagger() as unknown as Parameters<typeof operationsOf>[0];
    operations = operationsOf(doc).filter((op) => op.path.includes('{tenantId}'));
  });
  afterAll(async () => {
    await service?.stop();
    await centrifugo?.stop();
  });

  const send = (op: Operation, tenantId: string, bearer: string | null): Promise<RawResponse> => {
    const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'tenantId' ? tenantId : OTHER_PARAMS[name]!));
    const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
    // A body that may well be wrong for the route: the params are checked first, so it must not matter.
    const body = op.method === 'GET' ? undefined : '{}';
    if (body !== undefined) headers['content-type'] = 'application/json';
    return sendRaw(service.url, { method: op.method, path, headers, body }, 15_000);
  };
  /** Operator routes are for operators; a member's token is refused there before any param is read. */
  const callersOf = (op: Operation) => (op.path.startsWith('/v1/admin/') ? (['admin'] as const) : (['ana', 'sofia', 'admin'] as const));

  it('finds every :tenantId route of the router in the OpenAPI document, each with the one rule', () => {
    const router = routeTable(service.app.printRoutes({ commonPrefix: false })).filter((r) => r.includes('{tenantId}'));
    expect(operations.map((op) => `${op.method} ${op.path}`).sort()).toEqual(router.sort());
    // The twelve of today; more is fine (they are covered), fewer means the table lost some.
    expect(operations.length).toBeGreaterThanOrEqual(12);
    for (const op of operations) {
      expect(op.params.properties?.tenantId, `${op.method} ${op.path}`).toMatchObject({ type: 'string', pattern: TENANT_ID_REGEX_SOURCE });
    }
  });

  it('answers 400 ERR_VALIDATION naming params.tenantId and the rule, for every malformed id, route and caller', async () => {
    for (const op of operations) {
      for (const [what, id] of MALFORMED) {
        const answers = new Set<string>();
        for (const caller of callersOf(op)) {
          const r = await send(op, id, tokens[caller]);
          const label = `${op.method} ${op.path} with ${what} as ${caller}: ${r.status} ${r.text.slice(0, 200)}`;
          expect(r.status, label).toBe(400);
          expect(r.contentType, label).toContain('application/problem+json');
          const problem = JSON.parse(r.text) as { code: string; detail: string; errors: Array<{ path: string; message: string }> };
          expect(problem.code, label).toBe('ERR_VALIDATION');
          expect(problem.errors, label).toContainEqual({ path: 'params.tenantId', message: RULE });
          expect(problem.detail, label).toContain(`params.tenantId (${RULE})`);
          answers.add(r.text);
        }
        // The same bytes whoever asks: a member of acme, of globex, or an operator learn nothing from it.
        expect(answers.size, `${op.method} ${op.path} with ${what}`).toBe(1);
      }
    }
  });

  it('still answers 401 first without a token, and 403 admin_only first for a member on an operator route', async () => {
    for (const op of operations) {
      const r = await send(op, 'ACME!', null);
      expect(r.status, `${op.method} ${op.path}`).toBe(401);
      expect(JSON.parse(r.text), `${op.method} ${op.path}`).toMatchObject({ code: 'ERR_AUTH_TOKEN_MISSING' });
      if (op.path.startsWith('/v1/admin/')) {
        expect(JSON.parse((await send(op, 'ACME!', tokens.ana)).text), `${op.method} ${op.path}`).toMatchObject({ status: 403, code: 'ERR_FORBIDDEN', reason: 'admin_only' });
      }
    }
  });

  it('twin: a well-formed id passes the params check on every route (whatever the policy then says), and never a 500', async () => {
    for (const op of operations) {
      for (const id of ['acme', 'no-such-tenant', 'a'.repeat(63)]) {
        const r = await send(op, id, op.path.startsWith('/v1/admin/') ? tokens.admin : tokens.ana);
        const label = `${op.method} ${op.path} with ${id.slice(0, 20)}: ${r.status} ${r.text.slice(0, 200)}`;
        expect(r.status, label).toBeLessThan(500);
        if (r.text) expect(JSON.parse(r.text).errors ?? [], label).not.toContainEqual(expect.objectContaining({ path: 'params.tenantId' }));
      }
      // Another tenant reads the same whether it exists or not (THE policy's 403, not the params check).
      // GET only: the `{}` sent to the others is a body error before the policy is asked.
      if (op.method === 'GET' && !op.path.startsWith('/v1/admin/')) {
        const [globex, nobody] = await Promise.all([send(op, 'globex', tokens.ana), send(op, 'no-such-tenant', tokens.ana)]);
        expect(globex.status, `${op.method} ${op.path}`).toBe(403);
        expect(nobody.text, `${op.method} ${op.path}`).toBe(globex.text);
      }
    }
  });
});
