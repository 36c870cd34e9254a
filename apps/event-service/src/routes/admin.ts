import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AUDIT_ACTIONS,
  TENANT_TOPICS,
  adminUserParamsSchema as userParams,
  auditQuerySchema as auditQuery,
  authorize,
  createIngestKeySchema,
  disconnectBodySchema,
  ingestKeyParamsSchema as keyParams,
  permissionsBodySchema as permissionsBody,
  suspensionBodySchema as suspensionBody,
  tenantChannel,
  tenantParamsSchema as tenantParams,
  auditPageSchema,
  createdIngestKeySchema,
  disconnectResponseSchema,
  ingestKeyListResponseSchema,
  permissionsResponseSchema,
  suspensionResponseSchema,
  type AuditPage,
  type CreatedIngestKey,
  type DisconnectResponse,
  type Identity,
  type IngestKeyListResponse,
  type PermissionsResponse,
  type SuspensionResponse,
} from '@neo/contracts';
import { responses } from './responses';
import type { Config } from '../config';
import { AppError } from '../errors';
import { DEMO_USERS } from '../auth/demo-users';
import { actorOf } from '../plugins/auth';
import { queryAudit } from '../store/audit-store';
import type { Database } from '../store/database';

/**
 * Centrifugo disconnect code for a suspended tenant. 4500–4999 is the application's terminal range:
 * the SDK does not reconnect (reconnecting would only be refused again by the token route).
 */
export const TENANT_SUSPENDED_DISCONNECT = { code: 4503, reason: 'tenant suspended' } as const;
/** Disconnect code for a user an operator disconnected (terminal too: their tokens are revoked). */
export const USER_DISCONNECTED = { code: 4501, reason: 'disconnected by an operator' } as const;

const encodeCursor = (at: string, id: string) => Buffer.from(`a:${at}|${id}`).toString('base64url');
function decodeCursor(cursor: string): { at: string; id: string } {
  const m = /^a:(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\|([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || Number.isNaN(Date.parse(m[1]!))) throw new AppError('ERR_INVALID_CURSOR', 'the cursor is not one this API gave out', { errors: [{ path: 'query.cursor', message: 'malformed cursor' }] });
  return { at: m[1]!, id: m[2]! };
}

/**
 * The operator API: access changes that reach open connections at once, producers' ingest keys, and
 * the audit log every one of these writes to. Every route needs an operator token (operator role, no
 * tenant); tenant ids are never checked for existence, so answers leak nothing.
 */
export const adminRoutes: FastifyPluginAsyncZod<{ config: Config; database: Database }> = async (app, { config, database }) => {
  const access = app.access;
  const policyContext = { isTenantSuspended: (t: string) => access.isTenantSuspended(t) };
  // In onRequest: a refusal (401, 403, 429) costs no body parsing and no validation.
  const onRequest = [app.authenticate, app.requireOperator];
  const security = [{ bearer: [] }];

  /** A user the service knows (issued a connection token to), or a demo user where the demo login is on. */
  const knownUser = async (userId: string) => (await access.knownUser(userId)) ?? (config.demoLogin ? DEMO_USERS.find((u) => u.sub === userId) : undefined) ?? null;

  app.put(
    '/v1/admin/users/:userId/permissions',
    { schema: { tags: ['admin'], summary: 'Replace a user’s permissions; ends the subscriptions they no longer allow', params: userParams, body: permissionsBody, response: responses({ 200: permissionsResponseSchema }), security }, onRequest },
    async (request): Promise<PermissionsResponse> => {
      const { userId } = request.params;
      const { permissions } = request.body;
      const user = await knownUser(userId);
      // Stored first: from now on every token refresh and read goes through the new permissions.
      await access.setPermissions(actorOf(request), { userId, tenantId: user?.tenantId ?? null }, permissions);
      const lost = user ? channelsNoLongerAllowed({ ...user, permissions, operator: false }) : [];
      await centrifugoCall(() => Promise.all(lost.map((channel) => app.centrifugo.unsubscribe(userId, channel))));
      request.log.info({ userId, permissions, unsubscribed: lost }, 'operator: permissions changed');
      return { userId, permissions, unsubscribed: lost };
    },
  );

  app.put(
    '/v1/admin/tenants/:tenantId/suspension',
    { schema: { tags: ['admin'], summary: 'Suspend or restore a tenant; suspension disconnects its users', params: tenantParams, body: suspensionBody, response: responses({ 200: suspensionResponseSchema }), security }, onRequest },
    async (request): Promise<SuspensionResponse> => {
      const { tenantId } = request.params;
      const { suspended } = request.body;
      await access.suspendTenant(actorOf(request), tenantId, suspended);
      let users: string[] = [];
      if (suspended) {
        const demo = config.demoLogin ? DEMO_USERS.filter((u) => u.tenantId === tenantId).map((u) => u.sub) : [];
        users = [...new Set([...demo, ...(await access.usersOfTenant(tenantId))])];
        await centrifugoCall(() => Promise.all(users.map((user) => app.centrifugo.disconnect(user, TENANT_SUSPENDED_DISCONNECT))));
      }
      request.log.info({ tenantId, suspended, disconnectedUsers: users.length }, 'operator: tenant suspension changed');
      return { tenantId, suspended, disconnectedUsers: users.length };
    },
  );

  app.post(
    '/v1/admin/users/:userId/disconnect',
    {
      schema: {
        tags: ['admin'],
        summary: 'Disconnect a user everywhere and revoke their platform tokens issued until now',
        description: 'Centrifugo disconnects every connection of the user with 4501 (the SDK does not reconnect); platform tokens issued before the answer’s `tokensRevokedBefore` are refused with 401 `ERR_AUTH_TOKEN_REVOKED`, so the user must sign in again. To keep them out, change their permissions or disable them at the identity provider.',
        params: userParams,
        body: disconnectBodySchema,
        response: responses({ 200: disconnectResponseSchema }),
        security,
      },
      onRequest,
    },
    async (request): Promise<DisconnectResponse> => {
      const { userId } = request.params;
      const user = await knownUser(userId);
      const before = await access.revokeTokens(actorOf(request), { userId, tenantId: user?.tenantId ?? null });
      await centrifugoCall(() => app.centrifugo.disconnect(userId, USER_DISCONNECTED));
      request.log.info({ userId }, 'operator: user disconnected, tokens revoked');
      return { userId, tokensRevokedBefore: before.toISOString() };
    },
  );

  app.post(
    '/v1/admin/ingest-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a producer’s ingest key with a scope; the key is shown once',
        description: '`eventTypes` and `tenants` list what the key may publish, or `["*"]` for all. Operator channels (`admin:*`) need `tenants: ["*"]`.',
        body: createIngestKeySchema,
        response: responses({ 201: createdIngestKeySchema }),
        security,
      },
      onRequest,
    },
    async (request, reply) => {
      const created: CreatedIngestKey = await access.createIngestKey(actorOf(request), request.body);
      request.log.info({ keyId: created.id, name: created.name, eventTypes: created.eventTypes, tenants: created.tenants }, 'operator: ingest key created');
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get(
    '/v1/admin/ingest-keys',
    { schema: { tags: ['admin'], summary: 'Every ingest key with its scope and last use; never the key', response: responses({ 200: ingestKeyListResponseSchema }), security }, onRequest },
    async (): Promise<IngestKeyListResponse> => ({ items: await access.listIngestKeys() }),
  );

  app.delete(
    '/v1/admin/ingest-keys/:id',
    { schema: { tags: ['admin'], summary: 'Revoke an ingest key: refused (401) on every instance within ACCESS_SYNC_MS (≤ 5 s)', params: keyParams, response: responses({ 204: z.null().describe('Revoked') }), security }, onRequest },
    async (request, reply) => {
      const revoked = await access.revokeIngestKey(actorOf(request), request.params.id);
      if (!revoked) throw new AppError('ERR_NOT_FOUND', 'no ingest key with this id');
      request.log.info({ keyId: revoked.id, name: revoked.name }, 'operator: ingest key revoked');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/admin/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first: every operator action and key change',
        description: '`actor` is a user id or an ingest key id; `action` one of ' + AUDIT_ACTIONS.join(', ') + '.',
        querystring: auditQuery,
        response: responses({ 200: auditPageSchema }),
        security,
      },
      onRequest,
    },
    async (request): Promise<AuditPage> => {
      const q = request.query;
      if (q.from && q.to && new Date(q.from) > new Date(q.to)) throw new AppError('ERR_VALIDATION', '"from" is after "to"', { errors: [{ path: 'query.from', message: 'must not be after "to"' }] });
      const page = await queryAudit(database, {
        actor: q.actor,
        action: q.action,
        tenantId: q.tenantId,
        from: q.from,
        to: q.to,
        limit: q.limit,
        before: q.cursor ? decodeCursor(q.cursor) : undefined,
      });
      const last = page.items.at(-1);
      return { items: page.items, nextCursor: page.more && last ? encodeCursor(last.at, last.id) : null };
    },
  );

  /** The user's tenant channels that the policy refuses now (unsubscribing from one not held is a no-op). */
  function channelsNoLongerAllowed(identity: Identity): string[] {
    if (identity.tenantId === null) return [];
    const tenantId = identity.tenantId;
    return TENANT_TOPICS.map((topic) => tenantChannel(topic, tenantId)).filter((channel) => !authorize(identity, 'subscribe', channel, policyContext).allowed);
  }
};

/** The change is already stored; if Centrifugo cannot be told, say so (503) so the operator retries. */
async function centrifugoCall(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    throw new AppError('ERR_CENTRIFUGO_UNAVAILABLE', 'the change is stored, but open connections could not be updated; retry the request', {
      headers: { 'retry-after': '5' },
      cause: err,
    });
  }
}
