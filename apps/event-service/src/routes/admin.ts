import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PERMISSIONS, TENANT_ID_REGEX_SOURCE, TENANT_TOPICS, authorize, tenantChannel, type Identity } from '@neo/contracts';
import type { Config } from '../config';
import { AppError } from '../errors';
import { DEMO_USERS } from '../auth/demo-users';
import type { KnownUser } from '../auth/access';

/**
 * Centrifugo disconnect code for a suspended tenant. 4500–4999 is the application's terminal range:
 * the SDK does not reconnect (reconnecting would only be refused again by the token route).
 */
export const TENANT_SUSPENDED_DISCONNECT = { code: 4503, reason: 'tenant suspended' } as const;

const userParams = z.strictObject({
  // Any printable ASCII id an identity provider may use as `sub` (e.g. `auth0|123`), nothing else.
  userId: z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
});
const tenantParams = z.strictObject({ tenantId: z.string().regex(new RegExp(TENANT_ID_REGEX_SOURCE), 'a tenant id') });
const permissionsBody = z.strictObject({
  permissions: z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length * 2).transform((p) => [...new Set(p)]),
});
const suspensionBody = z.strictObject({ suspended: z.boolean() });

export interface PermissionsResponse {
  userId: string;
  permissions: string[];
  /** Channels whose open subscriptions of this user were ended through Centrifugo's server API. */
  unsubscribed: string[];
}

export interface SuspensionResponse {
  tenantId: string;
  suspended: boolean;
  /** How many users of the tenant were disconnected (0 when lifting a suspension). */
  disconnectedUsers: number;
}

/**
 * Demo operator routes that change access and make the change reach open connections at once.
 * Off wherever the demo login is off (production): the routes are not registered, so they are a 404
 * like any unknown path. Tenant ids are never checked for existence, so answers leak nothing.
 */
export const adminRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  if (!config.demoLogin) return;
  const access = app.access;
  const policyContext = { isTenantSuspended: (t: string) => access.isTenantSuspended(t) };
  const preHandler = [app.authenticate, app.requireAdmin];

  app.put(
    '/v1/admin/users/:userId/permissions',
    { schema: { tags: ['admin'], summary: 'Demo: replace a user’s permissions; ends subscriptions they no longer allow', params: userParams, body: permissionsBody, security: [{ bearer: [] }] }, preHandler },
    async (request): Promise<PermissionsResponse> => {
      const { userId } = request.params;
      const { permissions } = request.body;
      // Stored first: from now on every token refresh and read goes through the new permissions.
      await access.setPermissions(userId, permissions);
      const user = knownUser(userId);
      const lost = user ? channelsNoLongerAllowed({ ...user, permissions }) : [];
      await centrifugoCall(() => Promise.all(lost.map((channel) => app.centrifugo.unsubscribe(userId, channel))));
      request.log.info({ userId, permissions, unsubscribed: lost }, 'admin: permissions changed');
      return { userId, permissions, unsubscribed: lost };
    },
  );

  app.put(
    '/v1/admin/tenants/:tenantId/suspension',
    { schema: { tags: ['admin'], summary: 'Demo: suspend or restore a tenant; suspension disconnects its users', params: tenantParams, body: suspensionBody, security: [{ bearer: [] }] }, preHandler },
    async (request): Promise<SuspensionResponse> => {
      const { tenantId } = request.params;
      const { suspended } = request.body;
      await access.suspendTenant(tenantId, suspended);
      let users: string[] = [];
      if (suspended) {
        users = [...new Set([...DEMO_USERS.filter((u) => u.tenantId === tenantId).map((u) => u.sub), ...access.knownUsersOfTenant(tenantId)])];
        await centrifugoCall(() => Promise.all(users.map((user) => app.centrifugo.disconnect(user, TENANT_SUSPENDED_DISCONNECT))));
      }
      request.log.info({ tenantId, suspended, disconnectedUsers: users.length }, 'admin: tenant suspension changed');
      return { tenantId, suspended, disconnectedUsers: users.length };
    },
  );

  function knownUser(userId: string): KnownUser | undefined {
    return access.knownUser(userId) ?? DEMO_USERS.find((u) => u.sub === userId);
  }

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
