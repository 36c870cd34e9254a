import { SignJWT } from 'jose';

/**
 * The host platform's own token endpoint. A real host app checks ITS session here and signs (or fetches
 * from its identity system) a token for that user; this example has no users of its own and always
 * answers for one fixed demo member of tenant `acme`. Tokens live 2 minutes: the layer renews them.
 */
export default defineEventHandler(async (event) => {
  const secret = useRuntimeConfig(event).platformJwtSecret;
  setResponseHeader(event, 'cache-control', 'no-store');
  if (!secret) {
    setResponseStatus(event, 503);
    setResponseHeader(event, 'content-type', 'application/problem+json');
    return { type: 'about:blank', status: 503, title: 'Service Unavailable', detail: 'NUXT_PLATFORM_JWT_SECRET is not set' };
  }
  const expiresAt = Date.now() + 120_000;
  const token = await new SignJWT({ name: 'Ana Torres', tenantId: 'acme', roles: ['owner'], permissions: ['deploy:read'] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject('u-ana')
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .sign(new TextEncoder().encode(secret));
  return { token, expiresAt };
});
