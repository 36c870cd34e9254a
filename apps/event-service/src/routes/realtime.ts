import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { subscriptionTokenBodySchema, tokenResponseSchema, type TokenResponse } from '@neo/contracts';
import { responses } from './responses';
import type { Config } from '../config';
import { AppError } from '../errors';
import { signHs256, nowSeconds } from '../auth/jwt';

/**
 * Centrifugo tokens. Connection tokens carry `info` for presence; subscription tokens are signed only
 * after THE policy allowed the caller this exact channel (see docs/adr/0001-subscription-tokens.md).
 * Both are rate limited per identity: the SDK asks again on every reconnect, so a broken client loop
 * would otherwise turn into a token flood.
 */
export const realtimeRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  const { tokenSecret, connectionTokenTtl, subscriptionTokenTtl } = config.centrifugo;
  const chargeConnection = async (request: FastifyRequest) => app.chargeToken(request, 'connection');
  const chargeSubscription = async (request: FastifyRequest) => app.chargeToken(request, 'subscription');

  app.post(
    '/v1/realtime/connection-token',
    // Token routes have budgets of their own (per identity, and connection tokens per tenant), not the requests'.
    { config: { rateCost: 0 }, schema: { tags: ['realtime'], summary: 'Centrifugo connection token for the caller', response: responses({ 200: tokenResponseSchema }), security: [{ bearer: [] }] }, onRequest: [app.authenticate, chargeConnection] },
    async (request): Promise<TokenResponse> => {
      const identity = request.identity!;
      if (identity.tenantId && app.access.isTenantSuspended(identity.tenantId)) {
        throw new AppError('ERR_FORBIDDEN', 'access to this tenant is suspended', { reason: 'tenant_suspended' });
      }
      // Remembered so that a later suspension or permission change can reach this user's connections.
      app.access.rememberUser(identity);
      const now = nowSeconds();
      const token = signHs256({ sub: identity.sub, iat: now, exp: now + connectionTokenTtl, info: { name: identity.name, tenantId: identity.tenantId } }, tokenSecret);
      return { token, expiresIn: connectionTokenTtl };
    },
  );

  app.post(
    '/v1/realtime/subscription-token',
    {
      config: { rateCost: 0 },
      schema: { tags: ['realtime'], summary: 'Centrifugo subscription token for one channel, after the policy check', body: subscriptionTokenBodySchema, response: responses({ 200: tokenResponseSchema }), security: [{ bearer: [] }] },
      onRequest: [app.authenticate, chargeSubscription],
    },
    async (request): Promise<TokenResponse> => {
      const channel = app.authorizeChannel(request, 'subscribe', request.body.channel);
      const now = nowSeconds();
      // `sub` binds the token to this user's connection and `channel` to this channel: Centrifugo
      // refuses it on any other connection or channel.
      const token = signHs256({ sub: request.identity!.sub, channel: channel.name, iat: now, exp: now + subscriptionTokenTtl }, tokenSecret);
      return { token, expiresIn: subscriptionTokenTtl };
    },
  );
};
