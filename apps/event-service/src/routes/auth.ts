import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { loginBodySchema as loginBody, loginResponseSchema, meResponseSchema, publicUserOf, type LoginResponse, type MeResponse, subscribableChannels } from '@neo/contracts';
import { responses } from './responses';
import type { Config } from '../config';
import { AppError } from '../errors';
import { findDemoUser, DEMO_USERS } from '../auth/demo-users';
import { signHs256, nowSeconds } from '../auth/jwt';

/** Demo login (off in production) and `GET /v1/me`. */
export const authRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  app.post('/v1/auth/login', { schema: { tags: ['auth'], summary: 'Demo login: email and password → platform token', body: loginBody, response: responses({ 200: loginResponseSchema }) } }, async (request): Promise<LoginResponse> => {
    if (!config.demoLogin || !config.auth.jwtSecret) throw new AppError('ERR_LOGIN_DISABLED', 'demo login is disabled here; use your identity provider');
    const user = findDemoUser(request.body.email, request.body.password);
    if (!user) throw new AppError('ERR_LOGIN_FAILED', 'wrong email or password');
    const identity = app.access.applyOverrides(user);
    const now = nowSeconds();
    const claims: Record<string, unknown> = {
      sub: identity.sub,
      name: identity.name,
      tenantId: identity.tenantId,
      // The operator signs the configured operator role, so the demo login follows AUTH_OPERATOR_ROLE.
      roles: identity.operator ? [config.auth.operatorRole] : identity.roles,
      permissions: identity.permissions,
      iat: now,
      exp: now + config.auth.platformTokenTtl,
    };
    if (config.auth.issuer) claims.iss = config.auth.issuer;
    if (config.auth.audience) claims.aud = config.auth.audience;
    return { token: signHs256(claims, config.auth.jwtSecret), expiresIn: config.auth.platformTokenTtl, user: publicUserOf(identity, user.email) };
  });

  app.get('/v1/me', { schema: { tags: ['auth'], summary: 'The caller and the channels it may subscribe to', response: responses({ 200: meResponseSchema }), security: [{ bearer: [] }] }, onRequest: app.authenticate }, async (request): Promise<MeResponse> => {
    const identity = request.identity!;
    const email = DEMO_USERS.find((u) => u.sub === identity.sub)?.email ?? '';
    return { user: publicUserOf(identity, email), channels: subscribableChannels(identity, { isTenantSuspended: (t) => app.access.isTenantSuspended(t) }) };
  });
};
