import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { authorize, isOperator, readableChannels, type Action, type AuditActor, type Identity, type ParsedChannel } from '@neo/contracts';
import type { Config } from '../config';
import { AppError } from '../errors';
import { PlatformTokenVerifier } from '../auth/verifier';
import { AccessDirectory } from '../auth/access';
import { AccessStore } from '../store/access-store';
import type { IngestPrincipal } from '../auth/ingest-keys';
import type { Database } from '../store/database';

declare module 'fastify' {
  interface FastifyInstance {
    verifier: PlatformTokenVerifier;
    access: AccessDirectory;
    /**
     * onRequest hook: verifies the bearer platform token, sets `request.identity` and charges the caller's
     * budgets — before the body is parsed or validated, so that a refusal costs as little as possible.
     */
    authenticate: (request: FastifyRequest) => Promise<void>;
    /** onRequest hook: checks the ingest key of an internal service and sets `request.ingestKey` (before the body is read). */
    requireIngestKey: (request: FastifyRequest) => Promise<void>;
    /** Hook after `authenticate`: the caller must be a platform operator (operator role, no tenant). */
    requireOperator: (request: FastifyRequest) => Promise<void>;
    /** Runs THE policy for the caller; throws a 400/403 problem when it refuses. */
    authorizeChannel: (request: FastifyRequest, action: Action, channel: string) => ParsedChannel;
    /** The stored channels the caller may read (THE policy's `readableChannels`, with the current suspensions). */
    readableChannels: (request: FastifyRequest) => string[] | 'every';
  }
  interface FastifyRequest {
    identity: Identity | null;
    /** The producer whose ingest key the caller used: its id (rate limits, audit) and its scope. */
    ingestKey: IngestPrincipal | null;
  }
}

export const authPlugin = fp<{ config: Config; database?: Database }>(async (app, { config, database }) => {
  const verifier = new PlatformTokenVerifier({
    secret: config.auth.jwtSecret,
    jwksUrl: config.auth.jwksUrl,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    operatorRole: config.auth.operatorRole,
    claims: config.auth.claims,
    maxTokenLifetimeSec: config.auth.maxTokenLifetime,
  });
  const access = new AccessDirectory(database ? new AccessStore(database) : null, { bootstrapKeys: config.ingestKeys });
  await access.start(config.accessSyncMs, (err) => app.log.warn({ err: (err as Error).message }, 'access: reading operators’ changes failed'));
  app.addHook('onClose', async () => access.stop());
  if (!config.development) {
    // Logged once per key, never the key: full-scope keys in production are a standing risk.
    config.ingestKeys.forEach((_, i) => app.log.warn(`INGEST_API_KEYS #${i + 1} is a bootstrap key of full scope; create scoped keys (POST /v1/admin/ingest-keys or npm run keys) and remove it`));
  }

  app.decorate('verifier', verifier);
  app.decorate('access', access);
  app.decorateRequest('identity', null);
  app.decorateRequest('ingestKey', null);

  app.decorate('authenticate', async (request: FastifyRequest) => {
    const token = bearer(request);
    if (token === null) throw new AppError('ERR_AUTH_TOKEN_MISSING', 'send the platform token as "Authorization: Bearer <token>"');
    request.identity = access.resolve(await verifier.verify(token));
    // Charged here, once the caller is known and before the route does any work.
    app.chargeRequest(request);
  });

  app.decorate('requireIngestKey', async (request: FastifyRequest) => {
    const key = bearer(request);
    if (key === null) throw new AppError('ERR_INGEST_KEY_MISSING', 'send the ingest key as "Authorization: Bearer <key>"');
    if (key.length > 512) throw new AppError('ERR_INGEST_KEY_INVALID', 'the ingest key is not valid');
    const principal = await access.authenticateIngestKey(key);
    if (!principal) throw new AppError('ERR_INGEST_KEY_INVALID', 'the ingest key is not valid (unknown or revoked)');
    request.ingestKey = principal;
    // Counted after the key is known to be valid: invalid keys must not fill the limiter's memory. A key
    // whose events budget is spent is refused here, before its body is even read.
    app.chargeIngestRequest(principal.id);
  });

  app.decorate('requireOperator', async (request: FastifyRequest) => {
    if (!request.identity) throw new AppError('ERR_AUTH_TOKEN_MISSING');
    if (!isOperator(request.identity)) throw new AppError('ERR_FORBIDDEN', 'this route is for platform operators', { reason: 'admin_only' });
  });

  app.decorate('authorizeChannel', (request: FastifyRequest, action: Action, channel: string) => {
    const identity = request.identity;
    if (!identity) throw new AppError('ERR_AUTH_TOKEN_MISSING');
    const decision = authorize(identity, action, channel, { isTenantSuspended: (t) => access.isTenantSuspended(t) });
    if (decision.allowed) return decision.channel;
    if (decision.reason === 'invalid_channel') throw new AppError('ERR_INVALID_CHANNEL', decision.message, { reason: decision.reason });
    throw new AppError('ERR_FORBIDDEN', decision.message, { reason: decision.reason });
  });

  app.decorate('readableChannels', (request: FastifyRequest) => {
    if (!request.identity) throw new AppError('ERR_AUTH_TOKEN_MISSING');
    return readableChannels(request.identity, { isTenantSuspended: (t) => access.isTenantSuspended(t) });
  });
}, { name: 'neo-auth', dependencies: ['neo-rate-limit'] });

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** Who did it, for the audit log: the operator behind a token, or the producer behind a key. */
export function actorOf(request: FastifyRequest): AuditActor {
  if (request.identity) return { kind: 'user', id: request.identity.sub };
  if (request.ingestKey) return { kind: 'ingest_key', id: request.ingestKey.id };
  throw new AppError('ERR_AUTH_TOKEN_MISSING');
}
