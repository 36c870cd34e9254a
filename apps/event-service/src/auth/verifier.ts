import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { TENANT_ID_REGEX_SOURCE, type Identity } from '@neo/contracts';
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
}

const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  tenantId: z.string().regex(new RegExp(TENANT_ID_REGEX_SOURCE)).nullable().optional(),
  roles: z.array(z.string().max(100)).max(50),
  permissions: z.array(z.string().max(100)).max(100),
});

/** Verifies platform user tokens. The algorithm is pinned per mode: HS256 with a secret, RS256/ES256 with JWKS. */
export class PlatformTokenVerifier {
  readonly #key: Uint8Array | JWTVerifyGetKey;
  readonly #algorithms: string[];
  readonly #options: VerifierOptions;

  constructor(options: VerifierOptions) {
    this.#options = options;
    if (options.secret) {
      this.#key = new TextEncoder().encode(options.secret);
      this.#algorithms = ['HS256'];
    } else if (options.jwksUrl) {
      this.#key = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
      this.#algorithms = ['RS256', 'ES256'];
    } else {
      throw new Error('PlatformTokenVerifier needs a secret or a JWKS URL');
    }
  }

  /** Returns the identity in `token`, or throws an AppError naming why the token was refused. */
  async verify(token: string): Promise<Identity> {
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
      throw mapJoseError(err);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      const fields = [...new Set(claims.error.issues.map((i) => String(i.path[0])))].join(', ');
      throw new AppError('ERR_AUTH_CLAIMS', `missing or invalid claims: ${fields}`);
    }
    const c = claims.data;
    return { sub: c.sub, name: c.name, tenantId: c.tenantId ?? null, roles: c.roles, permissions: c.permissions };
  }
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
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) {
    return new AppError('ERR_AUTH_TOKEN_INVALID', 'the identity provider keys could not be read', { cause: err });
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JOSENotSupported) {
    return new AppError('ERR_AUTH_TOKEN_MALFORMED', 'the token is malformed', { cause: err });
  }
  return new AppError('ERR_AUTH_TOKEN_INVALID', 'the token could not be verified', { cause: err });
}
