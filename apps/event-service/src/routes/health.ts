import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { livenessResponseSchema, readinessResponseSchema } from '@neo/contracts';
import { responses } from './responses';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/** `/healthz`: the process runs. `/readyz`: it can do its job (dependencies reachable, not draining). */
export const healthRoutes: FastifyPluginAsyncZod<{ checks: ReadinessCheck[]; isDraining: () => boolean }> = async (app, { checks, isDraining }) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness', response: responses({ 200: livenessResponseSchema }) } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Readiness: database and Centrifugo reachable', response: responses({ 200: readinessResponseSchema, 503: readinessResponseSchema.describe('Not ready (a check failed) or draining') }) } },
    async (_request, reply) => {
    if (isDraining()) return reply.status(503).send({ status: 'draining', checks: {} });
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2000);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, (err as Error).message] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
    },
  );
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]);
}
