import fc from 'fast-check';
import { ERRORS, type ErrorCode } from '@neo/contracts';
import { corrupt, corruptions, nastyValue, toJson, valueOf, type Corruption, type JsonSchema, type Overrides } from './arbitraries';
import { headerSafe, percentEncode, sendRaw, type RawRequest, type RawResponse } from './raw-http';

/*
 * The "every route is total" property: any request either succeeds or answers a 4xx problem document
 * from the catalogue, within a deadline, and the service stays ready. Runs are seeded (FC_SEED) and
 * counted (FC_RUNS), so a failure prints the seed and path that replay it:
 *   FC_SEED=<seed> FC_PATH=<path> npx vitest run --project integration <file>
 */

export const FC_SEED = Number(process.env.FC_SEED ?? 17_017);
/** Runs per route; a few hundred by default. */
export const FC_RUNS = Number(process.env.FC_RUNS ?? 200);
const FC_PATH = process.env.FC_PATH;
/** How long one answer may take before the run counts as a hang. */
const ANSWER_DEADLINE_MS = 15_000;

/** One route of the service, with the JSON Schemas of its path, query and body. */
export interface Operation {
  method: string;
  /** OpenAPI template, `/v1/tenants/{tenantId}/deployments`. */
  path: string;
  params: JsonSchema;
  query: JsonSchema;
  body: JsonSchema | null;
  /** Who the route expects: a platform token, an ingest key, or nobody. */
  caller: 'user' | 'ingest' | 'none';
}

interface OpenApiParameter {
  in: string;
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

/** Every operation of the service's OpenAPI document, which fastify derives from the routes' zod schemas. */
export function operationsOf(doc: { paths: Record<string, Record<string, { parameters?: OpenApiParameter[]; requestBody?: { content?: Record<string, { schema: JsonSchema }> }; security?: Array<Record<string, unknown>> }>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const group = (where: string): JsonSchema => {
        const ps = (op.parameters ?? []).filter((p) => p.in === where);
        return { type: 'object', properties: Object.fromEntries(ps.map((p) => [p.name, p.schema])), required: ps.filter((p) => p.required).map((p) => p.name) };
      };
      const security = Object.keys(op.security?.[0] ?? {})[0];
      ops.push({
        method: method.toUpperCase(),
        path,
        params: group('path'),
        query: group('query'),
        body: method === 'get' ? null : (op.requestBody?.content?.['application/json']?.schema ?? {}),
        caller: security === 'ingestKey' ? 'ingest' : security === 'bearer' ? 'user' : 'none',
      });
    }
  }
  return ops;
}

/** What to send as `Authorization`: a name the test resolves to a real credential, or a literal. */
export type Credential = { kind: 'named'; name: string } | { kind: 'claims'; claims: unknown } | { kind: 'literal'; header: string | null };

/** The part of a request a run corrupts; one at a time, so the other parts stay valid and the bad one gets deep. */
type Part = 'none' | 'params' | 'query' | 'body' | 'raw-body' | 'content-type' | 'path';

export interface GeneratedRequest {
  part: Part;
  params: unknown;
  query: unknown;
  body: unknown;
  corruption: Corruption[];
  credential: Credential;
  rawBody: string;
  contentType: string;
  pathJunk: string;
}

export interface RequestOptions {
  /** Per-property arbitraries for path, query and body (e.g. the tenant `acme`, known ids). */
  overrides?: Overrides;
  /** Credentials to choose from, with weights; the route's usual caller should weigh most. */
  credentials: Array<{ weight: number; arbitrary: fc.Arbitrary<Credential> }>;
  /** Replaces the body arbitrary (ingest: events from the registry). */
  body?: fc.Arbitrary<unknown>;
}

const junkCredential: fc.Arbitrary<Credential> = fc.oneof(
  fc.constantFrom<Credential>({ kind: 'literal', header: null }, { kind: 'literal', header: 'Bearer' }, { kind: 'literal', header: 'Bearer a.b.c' }, { kind: 'literal', header: 'Basic dXNlcjpwYXNz' }, { kind: 'literal', header: `Bearer ${'a'.repeat(9000)}.b.c` }),
  fc.string({ unit: 'binary', maxLength: 80 }).map((s): Credential => ({ kind: 'literal', header: headerSafe(`Bearer ${s}`) })),
);
export const weighted = (weight: number, arbitrary: fc.Arbitrary<Credential>) => ({ weight, arbitrary });
export const named = (...names: string[]) => fc.constantFrom(...names.map((name): Credential => ({ kind: 'named', name })));

export function requestArbitrary(op: Operation, options: RequestOptions): fc.Arbitrary<GeneratedRequest> {
  const overrides = options.overrides ?? {};
  const parts: Array<{ weight: number; arbitrary: fc.Arbitrary<Part> }> = [
    { weight: 2, arbitrary: fc.constant('none') },
    { weight: Object.keys(op.params.properties ?? {}).length ? 2 : 0, arbitrary: fc.constant('params') },
    { weight: Object.keys(op.query.properties ?? {}).length ? 3 : 0, arbitrary: fc.constant('query') },
    { weight: op.body ? 5 : 0, arbitrary: fc.constant('body') },
    { weight: op.body ? 1 : 0, arbitrary: fc.constant('raw-body') },
    { weight: op.body ? 1 : 0, arbitrary: fc.constant('content-type') },
    { weight: 1, arbitrary: fc.constant('path') },
  ];
  return fc.record({
    part: fc.oneof(...parts.filter((p) => p.weight > 0)),
    params: valueOf(op.params, overrides),
    query: valueOf(op.query, overrides),
    body: op.body ? (options.body ?? valueOf(op.body, overrides)) : fc.constant(undefined),
    corruption: corruptions(2),
    credential: fc.oneof(...options.credentials, { weight: 1, arbitrary: junkCredential }),
    rawBody: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.constantFrom('', '{', '{"a":', 'null', '[]', '""', '\ufeff{}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":1,"a":2}', '\u0000'),
      nastyValue.map(toJson),
    ),
    contentType: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/jsonx', '', 'multipart/form-data; boundary=x', 'application/problem+json'),
    pathJunk: fc.constantFrom('/', '//', '/..', '/%2e%2e', '%00', '%', '%zz', '%C0%80', '%ED%A0%80', '/x', '?', '?&&=', '?a=%'),
  });
}

/** Turns a generated request into bytes on the wire. */
export function toRawRequest(op: Operation, g: GeneratedRequest, resolve: (c: Credential) => string | null): RawRequest {
  const params = (g.part === 'params' ? corrupt(g.params, g.corruption) : g.params) as Record<string, unknown> | undefined;
  const query = (g.part === 'query' ? corrupt(g.query, g.corruption) : g.query) as Record<string, unknown> | undefined;
  const body = g.part === 'body' ? corrupt(g.body, g.corruption) : g.body;
  const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : toJson(v));
  let path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => percentEncode(text(params && typeof params === 'object' ? params[name] : params)));
  const pairs: string[] = [];
  if (query && typeof query === 'object' && !Array.isArray(query)) {
    for (const [k, v] of Object.entries(query)) {
      for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) pairs.push(`${percentEncode(k)}=${percentEncode(text(one))}`);
    }
  } else if (query !== undefined) {
    pairs.push(percentEncode(text(query)));
  }
  if (pairs.length) path += `?${pairs.join('&')}`;
  if (g.part === 'path') path += g.pathJunk;
  const headers: Record<string, string> = {};
  const authorization = resolve(g.credential);
  if (authorization !== null) headers.authorization = authorization;
  if (op.body) {
    headers['content-type'] = g.part === 'content-type' ? g.contentType : 'application/json';
    return { method: op.method, path, headers, body: g.part === 'raw-body' ? g.rawBody : body === undefined ? '' : toJson(body) };
  }
  return { method: op.method, path, headers };
}

/** A failure message that replays: what was sent (long texts cut) and what came back. */
export function describeExchange(request: RawRequest, response: RawResponse | null, problem: string): string {
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s);
  const body = request.body === undefined ? '' : `\n  body: ${cut(JSON.stringify(String(request.body)), 1500)}`;
  const answer = response ? `\n  → ${response.status} ${response.contentType} in ${response.ms} ms: ${cut(response.text, 600)}` : '';
  return `${problem}\n  ${request.method} ${cut(request.path, 600)}\n  headers: ${cut(JSON.stringify(request.headers), 300)}${body}${answer}`;
}

/**
 * Sends the request and checks the answer: below 500, a problem document from the catalogue when 4xx,
 * a validation problem that names at least one field. Throws a replayable description otherwise.
 */
export async function checkTotal(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  let response: RawResponse;
  try {
    response = await sendRaw(baseUrl, request, ANSWER_DEADLINE_MS);
  } catch (err) {
    throw new Error(describeExchange(request, null, `no answer: ${(err as Error).message}`));
  }
  const fail = (problem: string) => new Error(describeExchange(request, response, problem));
  if (response.status >= 500) throw fail(`answered ${response.status}`);
  if (response.status >= 400) {
    if (!response.contentType.startsWith('application/problem+json')) throw fail('a 4xx that is not a problem document');
    const problem = JSON.parse(response.text) as { code?: ErrorCode; status?: number; errors?: Array<{ path: string }> };
    const entry = problem.code ? ERRORS[problem.code] : undefined;
    if (!entry || entry.status !== response.status || problem.status !== response.status) throw fail('a code outside the catalogue, or a status that does not match it');
    if (problem.code === 'ERR_VALIDATION' && !(problem.errors?.length && problem.errors.every((e) => e.path))) throw fail('a validation problem that names no field');
  }
  return response;
}

/** Checks that `/readyz` answers 200: nothing a request did broke the database or its connection. */
export async function checkReady(baseUrl: string): Promise<void> {
  const r = await sendRaw(baseUrl, { method: 'GET', path: '/readyz', headers: {} }, ANSWER_DEADLINE_MS);
  if (r.status !== 200) throw new Error(`the service is no longer ready: ${r.status} ${r.text}`);
}

/** Runs `property` seeded; on failure throws with the seed and path that replay the counterexample. */
export async function assertSeeded<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, runs = FC_RUNS): Promise<void> {
  const result = await fc.check(fc.asyncProperty(arbitrary, predicate), { seed: FC_SEED, numRuns: runs, ...(FC_PATH ? { path: FC_PATH } : {}) });
  if (result.failed) {
    const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    throw new Error(`property failed after ${result.numRuns} runs (${result.numShrinks} shrinks); replay with FC_SEED=${result.seed} FC_PATH=${result.counterexamplePath}\n${error}`);
  }
}
