import type { FastifyRouteSchemaDef } from 'fastify/types/schema';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { problemDocumentSchema } from '@neo/contracts';

/** Every error answer: an RFC 9457 problem document (see plugins/errors.ts). */
const problem = {
  description: 'An RFC 9457 problem document (`docs/errors.md` lists the codes)',
  content: { 'application/problem+json': { schema: problemDocumentSchema } },
};

/**
 * A route's `response` schemas: its own answers by status, plus the problem document of every 4xx and
 * 5xx. Declared on every route so that `/docs` describes each answer and an answer that drifts from the
 * contract's schema fails (its tests) instead of reaching a client in a shape nobody declared.
 */
export function responses<R extends Record<number, unknown>>(answers: R) {
  return { ...answers, '4xx': problem, '5xx': problem } as R & { '4xx': typeof problem; '5xx': typeof problem };
}

/**
 * The serializer of the hot read routes (history pages and catch-up, presence): their 200 answer is
 * written with `JSON.stringify` alone, without running it through its zod schema first. That answer is
 * built by the route from stored rows whose `data` passed the contract at ingest, its frame from typed
 * columns, and its TypeScript type is the schema's (the handler does not compile otherwise); checking
 * it again cost more CPU than anything else in answering (zod's encode of a 200-event page: ~1 ms, on
 * the event loop that also publishes every tenant's live events, so one tenant's read flood delayed
 * another's deliveries; issue 12). The schemas stay on the route for `/docs`, and the tests parse these
 * answers with them (history.test.ts, presence.test.ts). The output is the same: zod's encode of a
 * conforming answer returns the same keys in the same order. Errors still go through zod.
 */
export function builtAnswerSerializer<S>(route: FastifyRouteSchemaDef<S>): (data: unknown) => string {
  // Generic in the route's schema type, as Fastify types a route's own compiler; the schemas are zod's.
  return route.httpStatus === '200' ? stringify : serializerCompiler(route as unknown as Parameters<typeof serializerCompiler>[0]);
}
const stringify = (data: unknown) => JSON.stringify(data);
