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
