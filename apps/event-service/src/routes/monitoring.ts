import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { alertListQuerySchema as alertQuery, alertListResponseSchema, instanceListResponseSchema, isOperator, isTenantId, tenantChannel, tenantParamsSchema as tenantParams, tenantsOverviewResponseSchema } from '@neo/contracts';
import { responses } from './responses';
import { AppError } from '../errors';
import type { Database } from '../store/database';
import type { CentrifugoClient } from '../centrifugo/client';
import { countByStatus, countOpenAlerts, countReportingInstances, knownTenants, listAlerts, listInstanceMetrics, PLATFORM_SCOPE } from '../store/monitoring-store';
import { DEMO_TENANTS } from '../auth/demo-users';

/**
 * Dashboards' read routes: alerts with severity (platform and tenant), a tenant's instances with their
 * latest figures, and the operators' tenants overview. All through the one policy.
 */
export const monitoringRoutes: FastifyPluginAsyncZod<{ database: Database; centrifugo: CentrifugoClient }> = async (app, { database, centrifugo }) => {
  const position = (channel: string) => centrifugo.position(channel).catch(() => null);

  app.get('/v1/admin/alerts', { onRequest: app.authenticate, schema: { tags: ['monitoring'], summary: 'Platform alerts, open first, by severity', querystring: alertQuery, response: responses({ 200: alertListResponseSchema }), security: [{ bearer: [] }] } }, async (request) => {
    app.authorizeChannel(request, 'read', 'admin:alerts');
    const pos = await position('admin:alerts');
    const { items, join } = await listAlerts(database, PLATFORM_SCOPE, 'admin:alerts', request.query.state === 'open', request.query.limit);
    return { items, ...join, position: pos };
  });

  app.get('/v1/tenants/:tenantId/alerts', { onRequest: app.authenticate, schema: { tags: ['monitoring'], summary: "A tenant's alerts, open first, by severity", params: tenantParams, querystring: alertQuery, response: responses({ 200: alertListResponseSchema }), security: [{ bearer: [] }] } }, async (request) => {
    const channel = app.authorizeChannel(request, 'read', tenantChannel('alerts', request.params.tenantId));
    const pos = await position(channel.name);
    const { items, join } = await listAlerts(database, request.params.tenantId, channel.name, request.query.state === 'open', request.query.limit);
    return { items, ...join, position: pos };
  });

  app.get(
    '/v1/tenants/:tenantId/metrics/instances',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['monitoring'],
        summary: "Latest figures of each of a tenant's instances, and whether each reports",
        description:
          'Each instance is `online`, `stale` (silent for 3 of its reporting intervals, at least 15 s) or `offline` (10 intervals, at least 60 s); the interval is learned from its samples (60 s until a second one). `activeInstances` counts the online ones. Changes are pushed live as `instance_status` events on `metrics:{tenantId}`.',
        params: tenantParams,
        response: responses({ 200: instanceListResponseSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      app.authorizeChannel(request, 'read', tenantChannel('metrics', request.params.tenantId));
      const instances = await listInstanceMetrics(database, request.params.tenantId);
      return { instances, activeInstances: instances.filter((i) => i.status === 'online').length };
    },
  );

  app.get('/v1/admin/tenants/overview', { onRequest: app.authenticate, schema: { tags: ['monitoring'], summary: 'Operators: every tenant with online users, active deployments, instances that report and open alerts', response: responses({ 200: tenantsOverviewResponseSchema }), security: [{ bearer: [] }] } }, async (request) => {
    if (!isOperator(request.identity!)) throw new AppError('ERR_FORBIDDEN', 'this route is for platform operators', { reason: 'admin_only' });
    const [active, open, seen, reporting] = await Promise.all([countByStatus(database, ['starting', 'in_progress']), countOpenAlerts(database), knownTenants(database), countReportingInstances(database)]);
    const names = new Map<string, string>(DEMO_TENANTS.map((t) => [t.id, t.name]));
    const ids = [...new Set([...names.keys(), ...seen])].sort();
    const tenants = await Promise.all(ids.map(async (tenantId) => {
      // Ids read back from the database were checked when written; one that cannot name a channel has nobody
      // online, and must not turn the whole overview into a 500 (tenantChannel throws on it).
      const stats = isTenantId(tenantId) ? await centrifugo.presenceStats(tenantChannel('presence', tenantId)).catch(() => ({ num_users: 0 })) : { num_users: 0 };
      return { tenantId, name: names.get(tenantId) ?? tenantId, onlineUsers: stats.num_users ?? 0, activeDeployments: active.get(tenantId) ?? 0, activeInstances: reporting.get(tenantId) ?? 0, openAlerts: open.get(tenantId) ?? 0 };
    }));
    return { tenants };
  });
};
