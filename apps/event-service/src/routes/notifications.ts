import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import {
  notificationListQuerySchema,
  notificationListResponseSchema,
  notificationParamsSchema as notificationParams,
  notificationReadResponseSchema,
  notificationSchema,
  notificationsReadAllResponseSchema,
  tenantChannel,
  tenantParamsSchema as tenantParams,
  userChannel,
  userKeyOf,
  type ReadStateMessage,
} from '@neo/contracts';
import { AppError } from '../errors';
import type { Database } from '../store/database';
import type { CentrifugoClient } from '../centrifugo/client';
import type { BillingEventType } from '../domain/billing';
import { getNotification, markAllRead, markRead, queryNotifications } from '../store/notification-store';
import { responses } from './responses';


const encodeCursor = (nseq: number) => Buffer.from(`n:${nseq}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const m = /^n:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new AppError('ERR_INVALID_CURSOR', 'the cursor is not one this API gave out', { errors: [{ path: 'query.cursor', message: 'malformed cursor' }] });
  return Number(m[1]);
}

/** Use case 2: the billing notification centre; read state per user, stored on the server. */
export const notificationRoutes: FastifyPluginAsyncZod<{ database: Database; centrifugo: CentrifugoClient }> = async (app, { database, centrifugo }) => {
  /*
   * A mark reaches the user's other devices on their own channel, published straight to Centrifugo rather
   * than through the event pipeline: the read state is stored already (that is the truth a reload reads),
   * the message is only its echo for one person, not an event of the platform for history or producers.
   * If Centrifugo cannot take it the mark still stands (logged); a device that missed it and cannot
   * recover it reloads the state, as after any gap. The version is the idempotency key.
   */
  const announce = async (request: FastifyRequest, tenantId: string, data: ReadStateMessage['data']) => {
    const userId = request.identity!.sub;
    const message: ReadStateMessage = { type: 'notifications_read', tenantId, data, timestamp: new Date().toISOString() };
    await centrifugo
      .publish({ channel: userChannel(tenantId, userId), data: message, idempotency_key: `read-${tenantId}-${userKeyOf(userId)}-${data.version}` })
      .catch((err: unknown) => request.log.warn({ err: (err as Error).message }, 'notifications: read state not relayed to the user’s other devices'));
  };
  // Marking read is acting as a member (policy action `write` on billing), so an operator reading a
  // tenant's notifications cannot change what its users see as unread.
  const authorized = (request: FastifyRequest, action: 'read' | 'write', tenantId: string) => {
    const channel = app.authorizeChannel(request, action, tenantChannel('billing', tenantId));
    return { channel: channel.name, userId: request.identity!.sub };
  };

  app.get(
    '/v1/tenants/:tenantId/notifications',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['notifications'],
        summary: 'Billing notifications, newest first, with the caller’s read state, exact unread count and stream position',
        params: tenantParams,
        querystring: notificationListQuerySchema,
        response: responses({ 200: notificationListResponseSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const { tenantId } = request.params;
      const { channel, userId } = authorized(request, 'read', tenantId);
      const q = request.query;
      const beforeSeq = q.cursor ? decodeCursor(q.cursor) : undefined;
      const position = await centrifugo.position(channel).catch(() => null);
      const page = await queryNotifications(database, { tenantId, userId, channel, unread: q.unread === 'true', type: q.type as BillingEventType | undefined, beforeSeq, limit: q.limit });
      // Only a member has an own channel in the tenant (an operator has no tenant): see THE policy's user branch.
      const own = request.identity!.tenantId === tenantId ? userChannel(tenantId, userId) : null;
      return { items: page.items, unreadCount: page.unreadCount, nextCursor: page.nextBefore === null ? null : encodeCursor(page.nextBefore), position, ...page.join, userChannel: own };
    },
  );

  app.get(
    '/v1/tenants/:tenantId/notifications/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['notifications'],
        summary: 'One notification (id = the billing event’s id); 404 for events that raised none (usage samples below a new threshold)',
        params: notificationParams,
        response: responses({ 200: notificationSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const { tenantId, id } = request.params;
      const { userId } = authorized(request, 'read', tenantId);
      const item = await getNotification(database, tenantId, userId, id);
      if (!item) throw new AppError('ERR_NOT_FOUND', `no notification ${id} in this tenant`);
      return item;
    },
  );

  app.post(
    '/v1/tenants/:tenantId/notifications/:id/read',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['notifications'],
        summary: 'Mark one notification read for the caller',
        description: 'The caller’s other devices learn it on their own channel `user:{tenantId}_{userKey}` (a `notifications_read` message; see `subscribableChannels`).',
        params: notificationParams,
        response: responses({ 200: notificationReadResponseSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const { tenantId, id } = request.params;
      const { channel, userId } = authorized(request, 'write', tenantId);
      const mark = await markRead(database, tenantId, userId, id);
      if (!mark) throw new AppError('ERR_NOT_FOUND', `no notification ${id} in this tenant`);
      // Counted after the mark committed: it includes every mark of a lower version.
      const page = await queryNotifications(database, { tenantId, userId, channel, limit: 1 });
      if (mark.version !== null) await announce(request, tenantId, { ids: [id], unreadCount: page.unreadCount, version: mark.version });
      return { id, read: true as const, unreadCount: page.unreadCount };
    },
  );

  app.post(
    '/v1/tenants/:tenantId/notifications/read-all',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['notifications'],
        summary: 'Mark every notification received so far read for the caller',
        description: 'The caller’s other devices learn it on their own channel `user:{tenantId}_{userKey}` (a `notifications_read` message with `upTo`).',
        params: tenantParams,
        response: responses({ 200: notificationsReadAllResponseSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const { tenantId } = request.params;
      const { channel, userId } = authorized(request, 'write', tenantId);
      const mark = await markAllRead(database, tenantId, userId);
      const page = await queryNotifications(database, { tenantId, userId, channel, limit: 1 });
      await announce(request, tenantId, { ids: [], upTo: mark.upTo, unreadCount: page.unreadCount, version: mark.version });
      return { unreadCount: page.unreadCount };
    },
  );
};
