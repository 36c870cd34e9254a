import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { DEFAULT_OPERATOR_ROLE, TENANT_ID_REGEX_SOURCE, isOperatorClaim, storableString, type Identity } from '@neo/contracts';
import { AppError } from '../errors';

export interface VerifierOptions {
  /** HS256 secret; exclusive with `jwksUrl`. */
  secret?: string;
  /** JWKS of an external identity provider (RS256/ES256). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Allowed clock skew, seconds. Default 5. */
  clockToleranceSec?: number;
  /** The role that makes a token without a tenant a platform operator. Default `admin`. */
  operatorRole?: string;
  /** Claim paths (dotted for nested claims). Defaults `tenantId`, `roles`, `permissions`. */
  claims?: { tenant: string; roles: string; permissions: string };
  /** Longest accepted lifetime, seconds: `exp − iat`, or `exp − now` for a token without `iat`. Default 43200. */
  maxTokenLifetimeSec?: number;
  /** How long fetched provider keys count as fresh, ms. Default 600000 (10 min). */
  jwksMaxAgeMs?: number;
}

/** A verified platform token: who, and when the token was issued (for revocations). */
export interface VerifiedToken {
  identity: Identity;
  /** `iat`, unix seconds; null when the token does not say. */
  issuedAt: number | null;
  /** `exp`, unix seconds. */
  expiresAt: number;
}

// Claims end up in the database (known users, presence), so their texts follow the contract's storable
// rule: a token carrying U+0000 or a lone surrogate is refused (401) instead of failing a later insert.
const claimsSchema = z.object({
  sub: storableString().min(1).max(200),
  name: storableString().min(1).max(200),
  tenantId: z.string().regex(new RegExp(TENANT_ID_REGEX_SOURCE)).nullable().optional(),
  roles: z.array(storableString().max(100)).max(50),
  permissions: z.array(storableString().max(100)).max(100),
});

/**
 * Reads a claim by name, or by a dotted path into nested objects (`realm_access.roles`). The whole name
 * is tried first, because some providers namespace claims with URLs that contain dots
 * (`https://neo.example/tenant`).
 */
export function readClaim(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Verifies platform user tokens. The algorithm is pinned per mode: HS256 with a secret, RS256/ES256 with JWKS. */
export class PlatformTokenVerifier {
  readonly #key: Uint8Array | JWTVerifyGetKey;
  readonly #algorithms: string[];
  readonly #options: VerifierOptions;
  readonly #claims: { tenant: string; roles: string; permissions: string };
  /**
   * Tokens verified lately, until their expiry (at most a minute): a portal or a flood repeats the same
   * token, and verifying a signature is the dearest part of answering — of a 429 above all. Only
   * successes are kept; what an operator changed is applied after, on every request (AccessDirectory).
   */
  readonly #recent = new Map<string, { verified: VerifiedToken; until: number }>();

  constructor(options: VerifierOptions) {
    this.#options = options;
    this.#claims = options.claims ?? { tenant: 'tenantId', roles: 'roles', permissions: 'permissions' };
    if (options.secret) {
      this.#key = new TextEncoder().encode(options.secret);
      this.#algorithms = ['HS256'];
    } else if (options.jwksUrl) {
      this.#key = keysWithStaleFallback(new URL(options.jwksUrl), options.jwksMaxAgeMs ?? 600_000);
      this.#algorithms = ['RS256', 'ES256'];
    } else {
      throw new Error('PlatformTokenVerifier needs a secret or a JWKS URL');
    }
  }

  /** Returns the identity in `token`, or throws an AppError naming why the token was refused. */
  async verify(token: string): Promise<VerifiedToken> {
    const now = Date.now();
    const recent = this.#recent.get(token);
    if (recent && recent.until > now) return recent.verified;
    const verified = await this.#verify(token);
    if (this.#recent.size >= 10_000) this.#recent.delete(this.#recent.keys().next().value!);
    this.#recent.set(token, { verified, until: Math.min(now + 60_000, verified.expiresAt * 1000) });
    return verified;
  }

  async #verify(token: string): Promise<VerifiedToken> {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token) || token.length > 8192) {
      throw new AppError('ERR_AUTH_TOKEN_MALFORMED', 'the bearer token is not a compact JWT');
    }
    let payload: JWTPayload;
    try {
      const verifyOptions = {
        algorithms: this.#algorithms,
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        clockTolerance: this.#options.clockToleranceSec ?? 5,
        requiredClaims: ['exp', 'sub'],
      };
      // jose's overloads split on the key's type; both branches verify the same way.
      const result = typeof this.#key === 'function'
        ? await jwtVerify(token, this.#key, verifyOptions)
        : await jwtVerify(token, this.#key, verifyOptions);
      payload = result.payload;
    } catch (err) {
      throw err instanceof AppError ? err : mapJoseError(err);
    }
    const maxLifetime = this.#options.maxTokenLifetimeSec ?? 12 * 3600;
    const issuedAt = typeof payload.iat === 'number' ? payload.iat : null;
    const lifetime = payload.exp! - (issuedAt ?? Math.floor(Date.now() / 1000));
    if (lifetime > maxLifetime) {
      throw new AppError('ERR_AUTH_TOKEN_INVALID', `the token lives longer than the ${maxLifetime} s this service accepts (AUTH_MAX_TOKEN_LIFETIME)`);
    }
    const claims = claimsSchema.safeParse({
      sub: payload.sub,
      name: payload.name,
      tenantId: readClaim(payload, this.#claims.tenant),
      roles: readClaim(payload, this.#claims.roles),
      permissions: readClaim(payload, this.#claims.permissions),
    });
    if (!claims.success) {
      const names: Record<string, string> = { tenantId: this.#claims.tenant, roles: this.#claims.roles, permissions: this.#claims.permissions };
      const fields = [...new Set(claims.error.issues.map((i) => String(i.path[0])))].map((f) => names[f] ?? f).join(', ');
      throw new AppError('ERR_AUTH_CLAIMS', `missing or invalid claims: ${fields}`);
    }
    const c = claims.data;
    const tenantId = c.tenantId ?? null;
    return {
      identity: { sub: c.sub, name: c.name, tenantId, roles: c.roles, permissions: c.permissions, operator: isOperatorClaim({ tenantId, roles: c.roles }, this.#options.operatorRole ?? DEFAULT_OPERATOR_ROLE) },
      issuedAt,
      expiresAt: payload.exp!,
    };
  }
}

/**
 * The provider's keys, fetched and cached by jose (10 min, refetched at once for an unknown `kid` after a
 * 30 s cooldown). When a fetch fails, the last keys fetched still verify; only a token that no cached key
 * can verify is refused, and with 503 rather than 401: the provider is down, the token is not bad, and a
 * 401 would log every portal user out.
 */
function keysWithStaleFallback(url: URL, maxAgeMs: number, retryAfterFailureMs = 30_000): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, { cooldownDuration: 30_000, timeoutDuration: 5_000, cacheMaxAge: maxAgeMs });
  // After a failed fetch, the cached keys answer for a while without asking again: otherwise, with a
  // provider that drops packets, every request would wait out the fetch timeout.
  let failedAt = -Infinity;
  const fromCache = async (header: Parameters<JWTVerifyGetKey>[0], token: Parameters<JWTVerifyGetKey>[1], cause: unknown) => {
    const cached = remote.jwks();
    if (cached) {
      try {
        return await createLocalJWKSet(cached)(header, token);
      } catch (miss) {
        if (!(miss instanceof joseErrors.JWKSNoMatchingKey)) throw miss;
      }
    }
    throw new AppError('ERR_AUTH_KEYS_UNAVAILABLE', 'the identity provider’s keys could not be fetched and no cached key verifies this token; retry shortly', {
      headers: { 'retry-after': '5' },
      cause,
    });
  };
  return async (header, token) => {
    if (Date.now() - failedAt < retryAfterFailureMs) return fromCache(header, token, new Error('the last key fetch failed'));
    try {
      return await remote(header, token);
    } catch (err) {
      if (!isKeyFetchFailure(err)) throw err;
      failedAt = Date.now();
      return fromCache(header, token, err);
    }
  };
}

/** The JWKS could not be read (network, timeout, a non-200 answer, not a key set) — not a verdict on the token. */
function isKeyFetchFailure(err: unknown): boolean {
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return true;
  if (err instanceof joseErrors.JOSEError) return err.code === 'ERR_JOSE_GENERIC';
  return err instanceof Error; // fetch's own failures (TypeError: fetch failed, connection refused)
}

function mapJoseError(err: unknown): AppError {
  if (err instanceof joseErrors.JWTExpired) return new AppError('ERR_AUTH_TOKEN_EXPIRED', 'the token has expired', { cause: err });
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' || err.claim === 'iat') return new AppError('ERR_AUTH_TOKEN_NOT_YET_VALID', 'the token is not valid yet', { cause: err });
    if (err.claim === 'exp' || err.claim === 'sub') return new AppError('ERR_AUTH_CLAIMS', `missing or invalid claim: ${err.claim}`, { cause: err });
    return new AppError('ERR_AUTH_TOKEN_INVALID', `claim ${err.claim} is not accepted`, { cause: err });
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new AppError('ERR_AUTH_TOKEN_INVALID', 'the token algorithm is not allowed', { cause: err });
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new AppError('ERR_AUTH_TOKEN_INVALID', 'the token signature is not valid', { cause: err });
  if (err instanceof joseErrors.JWKSNoMatchingKey) return new AppError('ERR_AUTH_TOKEN_INVALID', 'no key matches the token', { cause: err });
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys) return new AppError('ERR_AUTH_TOKEN_INVALID', 'several keys match the token', { cause: err });
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JOSENotSupported) {
    return new AppError('ERR_AUTH_TOKEN_MALFORMED', 'the token is malformed', { cause: err });
  }
  return new AppError('ERR_AUTH_TOKEN_INVALID', 'the token could not be verified', { cause: err });
}
