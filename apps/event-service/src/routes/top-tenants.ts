import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { TOP_TENANTS_MAX_LIMIT, topTenantsQuerySchema as query, topTenantsResponseSchema, type TopTenantsResponse } from '@neo/contracts';
import { responses } from './responses';
import type { Database } from '../store/database';

/** The window the ranking covers, seconds. */
export const TOP_TENANTS_WINDOW_SECONDS = 300;
/** Largest `limit` accepted: the answer stays a bounded top-K however many tenants there are. */
export { TOP_TENANTS_MAX_LIMIT };

export type { TopTenantsResponse };

/**
 * `GET /v1/admin/top-tenants?limit=`: tenants with the most events over the last five minutes, for
 * operators. This is where per-tenant figures live, since Prometheus labels must stay bounded. Counted
 * in the database (indexed on `created_at`), so the answer covers every service instance, not one.
 */
export const topTenantsRoutes: FastifyPluginAsyncZod<{ database: Database }> = async (app, { database }) => {
  app.get(
    '/v1/admin/top-tenants',
    {
      schema: { tags: ['admin'], summary: `Top tenants by event rate over the last ${TOP_TENANTS_WINDOW_SECONDS / 60} minutes (operators)`, querystring: query, response: responses({ 200: topTenantsResponseSchema }), security: [{ bearer: [] }] },
      onRequest: [app.authenticate, app.requireOperator],
    },
    async (request): Promise<TopTenantsResponse> => {
      const rows = await database.rows<{ tenant_id: string; events: number | string }>(sql`
        select tenant_id, count(*) as events
        from events
        where created_at > now() - make_interval(secs => ${TOP_TENANTS_WINDOW_SECONDS}) and tenant_id is not null
        group by tenant_id
        order by count(*) desc, tenant_id
        limit ${request.query.limit}`);
      return {
        windowSeconds: TOP_TENANTS_WINDOW_SECONDS,
        tenants: rows.map((r) => ({ tenantId: r.tenant_id, events: Number(r.events), perSecond: Number(r.events) / TOP_TENANTS_WINDOW_SECONDS })),
      };
    },
  );
};
