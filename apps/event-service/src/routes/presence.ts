import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { presenceListResponseSchema, presenceSetResponseSchema, presenceStatusBodySchema as statusBody, tenantChannel, tenantParamsSchema as params } from '@neo/contracts';
import type { PresenceService } from '../presence/presence-service';
import { builtAnswerSerializer, responses } from './responses';

/**
 * `GET /v1/tenants/{tenantId}/presence`: members with status, current page and last seen.
 * `PUT /v1/tenants/{tenantId}/presence/me`: the caller's own status; stamped with the caller's identity,
 * so nobody sets someone else's status.
 */
export const presenceRoutes: FastifyPluginAsyncZod<{ presence: PresenceService }> = async (app, { presence }) => {
  app.get(
    '/v1/tenants/:tenantId/presence',
    // Costs 2: a Centrifugo presence call and a database read.
    { onRequest: app.authenticate, config: { rateCost: 2 }, serializerCompiler: builtAnswerSerializer, schema: { tags: ['presence'], summary: 'Who of the tenant is online, their status, page and last seen', params, response: responses({ 200: presenceListResponseSchema }), security: [{ bearer: [] }] } },
    async (request) => {
      const channel = app.authorizeChannel(request, 'read', tenantChannel('presence', request.params.tenantId));
      return presence.members(channel.kind === 'tenant' ? channel.tenantId : request.params.tenantId);
    },
  );

  app.put(
    '/v1/tenants/:tenantId/presence/me',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['presence'],
        summary: "Set the caller's own status (online, away, busy) and current page",
        description:
          'With `deviceId`, one status per person across devices: `choice` (online or busy, picked by the user) holds on every device; the person is `away` only when every device that reported in the last 2 minutes says `away` (so the device used last decides). A device re-sends its state at least every minute. Without `deviceId`, the status is stored as sent.',
        params,
        body: statusBody,
        response: responses({ 200: presenceSetResponseSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      app.authorizeChannel(request, 'write', tenantChannel('presence', request.params.tenantId));
      const identity = request.identity!;
      const row = await presence.setStatus({
        tenantId: request.params.tenantId,
        userId: identity.sub,
        userName: identity.name,
        status: request.body.status,
        currentPage: request.body.currentPage ?? null,
        ...(request.body.deviceId !== undefined ? { deviceId: request.body.deviceId } : {}),
        ...(request.body.choice !== undefined ? { choice: request.body.choice } : {}),
      });
      return { userId: row.userId, userName: row.userName, status: row.status, currentPage: row.currentPage, lastSeen: row.lastSeen };
    },
  );
};
