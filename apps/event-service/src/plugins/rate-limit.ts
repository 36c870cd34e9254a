import fp from 'fastify-plugin';
import type { Config } from '../config';
import { AppError } from '../errors';

export interface TokenBucketOptions {
  /** Requests allowed in one `windowMs` (also the burst size). */
  limit: number;
  /** Window over which `limit` refills, milliseconds. */
  windowMs: number;
  /** Clock, milliseconds; injectable for tests. Default `Date.now`. */
  now?: () => number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterSec: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key: `limit` requests as a burst, refilled continuously at `limit / windowMs`.
 * Chosen over a fixed window because a fixed window lets a client send 2 × limit across a window edge.
 *
 * State is in memory, per service instance: with N instances behind a load balancer a key may reach
 * N × limit. That is acceptable for abuse limits (they stop floods, not meter billing) and needs no
 * shared store; a Redis-backed bucket would replace this class if exact global limits were wanted.
 */
export class TokenBucketLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #limit: number;
  readonly #ratePerMs: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #lastSweep: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.limit >= 1) || !(options.windowMs > 0)) throw new RangeError('limit ≥ 1 and windowMs > 0 are required');
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
    this.#ratePerMs = options.limit / options.windowMs;
    this.#now = options.now ?? Date.now;
    this.#lastSweep = this.#now();
  }

  /** Takes one request for `key`; when the bucket is empty, says how long until one is available. */
  take(key: string): TakeResult {
    const now = this.#now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.#limit, updatedAt: now };
    bucket.tokens = Math.min(this.#limit, bucket.tokens + (now - bucket.updatedAt) * this.#ratePerMs);
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    // Retry-After is whole seconds; round up so a client that obeys it is never refused again for it.
    return { allowed: false, retryAfterSec: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#ratePerMs / 1000)) };
  }

  /** Number of keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  // Once per window, forget buckets that have refilled completely: they hold no information, and
  // dropping them keeps memory bounded by the keys active in the last window.
  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#windowMs) return;
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.#ratePerMs >= this.#limit) this.#buckets.delete(key);
    }
  }
}

/** Which limit a request counts against. */
export type RateLimitScope = 'tokens' | 'ingest';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts one request of `key` against the `scope` limit; throws a 429 problem with `Retry-After` when over. */
    checkRateLimit: (scope: RateLimitScope, key: string) => void;
  }
}

/**
 * Abuse limits: per identity (`sub`) on the token routes, per ingest key on `POST /v1/events`
 * (one request counts once, whatever its batch size). Configured by `RATE_LIMIT_TOKENS_PER_MINUTE`
 * and `RATE_LIMIT_INGEST_PER_SECOND`.
 */
export const rateLimitPlugin = fp<{ config: Config; now?: () => number }>(async (app, { config, now }) => {
  const limiters: Record<RateLimitScope, TokenBucketLimiter> = {
    tokens: new TokenBucketLimiter({ limit: config.rateLimits.tokensPerMinute, windowMs: 60_000, now }),
    ingest: new TokenBucketLimiter({ limit: config.rateLimits.ingestPerSecond, windowMs: 1_000, now }),
  };
  app.decorate('checkRateLimit', (scope: RateLimitScope, key: string) => {
    const result = limiters[scope].take(key);
    if (result.allowed) return;
    throw new AppError('ERR_RATE_LIMITED', `too many ${scope === 'tokens' ? 'token requests' : 'ingest requests'}; retry in ${result.retryAfterSec} s`, {
      reason: `rate_limit_${scope}`,
      headers: { 'retry-after': String(result.retryAfterSec) },
    });
  });
}, { name: 'neo-rate-limit' });
