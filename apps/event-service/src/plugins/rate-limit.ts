import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { isTenantId } from '@neo/contracts';
import { AppError } from '../errors';

export interface TokenBucketOptions {
  /** Requests (cost units) allowed in one `windowMs` (also the burst size). */
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
 * A token bucket per key: `limit` units as a burst, refilled continuously at `limit / windowMs`, and a
 * request may cost several units. Chosen over a fixed window because a fixed window lets a client send
 * 2 × limit across a window edge.
 *
 * Written here rather than taken from a library (rate-limiter-flexible, @fastify/rate-limit) because every
 * request is charged against TWO budgets at once — its identity's and its tenant's, or its key's and
 * its tenants' — and must take from all or from none, synchronously on the hot path; those libraries keep
 * one counter per call (asynchronously, with fixed windows and a timer per key).
 *
 * State is in memory, per service instance: with N instances behind a load balancer a key may reach
 * N × limit. That is acceptable for abuse limits (they stop floods, not meter billing) and needs no
 * shared store.
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

  get limit(): number {
    return this.#limit;
  }

  /** Takes `cost` units for `key`; when there are not enough, says how long until there are. */
  take(key: string, cost = 1): TakeResult {
    return takeAll([{ limiter: this, key, cost }]);
  }

  /** Number of keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /** The bucket of `key`, refilled up to now (created full). */
  bucket(key: string): Bucket {
    const now = this.#now();
    this.#sweep(now);
    const bucket = this.#buckets.get(key) ?? { tokens: this.#limit, updatedAt: now };
    bucket.tokens = Math.min(this.#limit, bucket.tokens + (now - bucket.updatedAt) * this.#ratePerMs);
    bucket.updatedAt = now;
    this.#buckets.set(key, bucket);
    return bucket;
  }

  /** Whole seconds until `bucket` holds `cost` units (never 0: a client that obeys is never refused again for it). */
  retryAfterSec(bucket: Bucket, cost: number): number {
    return Math.max(1, Math.ceil((Math.min(cost, this.#limit) - bucket.tokens) / this.#ratePerMs / 1000));
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

export interface Charge {
  limiter: TokenBucketLimiter;
  key: string;
  cost: number;
  /** Named in the refusal (`reason`). */
  scope?: string;
}

/**
 * Takes every charge or none: a request refused by its tenant's budget does not spend its identity's.
 * Refused: the longest wait among the budgets short of units, and which one.
 */
export function takeAll(charges: readonly Charge[]): TakeResult & { scope?: string } {
  const buckets = charges.map((c) => c.limiter.bucket(c.key));
  let refusal: { retryAfterSec: number; scope?: string } | null = null;
  charges.forEach((c, i) => {
    if (buckets[i]!.tokens >= c.cost) return;
    const retryAfterSec = c.limiter.retryAfterSec(buckets[i]!, c.cost);
    if (!refusal || retryAfterSec > refusal.retryAfterSec) refusal = { retryAfterSec, scope: c.scope };
  });
  if (refusal) return { allowed: false, ...(refusal as { retryAfterSec: number; scope?: string }) };
  charges.forEach((c, i) => (buckets[i]!.tokens -= c.cost));
  return { allowed: true };
}

/** What a route costs against the caller's budgets: a number, or a function of the request (e.g. a search costs more). */
export type RateCost = number | ((request: FastifyRequest) => number);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Units this route takes from the caller's identity and tenant budgets. Default 1; 0 = not charged here. */
    rateCost?: RateCost;
  }
  interface FastifyInstance {
    /** Charges an authenticated request against its identity's and its tenant's budgets; 429 when either is spent. */
    chargeRequest: (request: FastifyRequest) => void;
    /** Token routes: per identity, and connection tokens per tenant; 429 when spent. */
    chargeToken: (request: FastifyRequest, kind: 'connection' | 'subscription') => void;
    /** `POST /v1/events` requests per key (before the body is read). */
    chargeIngestRequest: (keyId: string) => void;
    /** Ingest quotas: the request's events (as sent) against its key's and each of its tenants' events/s budgets. */
    chargeIngestEvents: (keyId: string, events: ReadonlyArray<{ tenantId?: unknown }>) => void;
    /** Called with the scope of every refusal (metrics). */
    onRateLimited: (listener: (scope: string) => void) => void;
  }
}

/** Tenant budget key for events and requests that concern no tenant (operators, `admin:*`). */
const PLATFORM = '(platform)';
/** One budget for every malformed tenant id (the request will be refused; its ids must not each get a bucket). */
const INVALID = '(invalid)';

/**
 * Abuse limits and fair sharing. Every authenticated request takes from its identity's budget and from
 * its tenant's (shared by all its members), weighted by what the route costs; token routes from their
 * own; ingest from its key's requests, and its events from the key's and each tenant's events/s. One
 * tenant flooding is answered 429 with `Retry-After` — cheaply, before any database work — and leaves the
 * others their share. Configured by the `RATE_LIMIT_*` variables (docs/operations.md).
 */
export const rateLimitPlugin = fp<{ config: Config; now?: () => number }>(async (app, { config, now }) => {
  const r = config.rateLimits;
  const perSecond = (rate: number) => new TokenBucketLimiter({ limit: Math.max(1, Math.round(rate * r.burstSeconds)), windowMs: r.burstSeconds * 1000, now });
  const limiters = {
    user: perSecond(r.userPerSecond),
    tenant: perSecond(r.tenantPerSecond),
    tokens: new TokenBucketLimiter({ limit: r.tokensPerMinute, windowMs: 60_000, now }),
    // Every connection refreshes its token once per TTL, so tokens per TTL bound the tenant's connections.
    tenantConnections: new TokenBucketLimiter({ limit: r.tenantConnections, windowMs: config.centrifugo.connectionTokenTtl * 1000, now }),
    ingest: new TokenBucketLimiter({ limit: r.ingestPerSecond, windowMs: 1_000, now }),
    keyEvents: perSecond(r.ingestEventsPerKey),
    tenantEvents: perSecond(r.ingestEventsPerTenant),
  };
  // A refusal is held a moment before it is sent. A caller that retries the moment it is refused — a
  // script in a loop, a client ignoring Retry-After — then sends a few requests per second per
  // connection instead of thousands: each refusal is cheap, but thousands of them per second still take
  // the one event loop every tenant's requests share (B6 measured the service at 100 % of its core,
  // refusing 5,800 requests/s). Holding costs a timer and an open socket, so at most
  // `refusalMaxHeld` are held; past that they go at once. The answer itself does not change.
  let held = 0;
  if (r.refusalDelayMs > 0) {
    // A callback hook, not an async one: every answer passes here (each ingest 202 too), and only a 429
    // should cost more than a comparison.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (reply.statusCode !== 429 || held >= r.refusalMaxHeld) return done(null, payload);
      held++;
      setTimeout(() => {
        held--;
        done(null, payload);
      }, r.refusalDelayMs);
    });
  }

  const listeners: Array<(scope: string) => void> = [];
  app.decorate('onRateLimited', (listener: (scope: string) => void) => void listeners.push(listener));

  const refuse = (scope: string, retryAfterSec: number, what: string): never => {
    listeners.forEach((l) => l(scope));
    throw new AppError('ERR_RATE_LIMITED', `too many ${what}; retry in ${retryAfterSec} s`, {
      reason: `rate_limit_${scope}`,
      headers: { 'retry-after': String(retryAfterSec) },
    });
  };
  const charge = (charges: Charge[], what: string) => {
    const result = takeAll(charges);
    if (!result.allowed) refuse(result.scope ?? 'user', result.retryAfterSec, what);
  };

  app.decorate('chargeRequest', (request: FastifyRequest) => {
    const configured = request.routeOptions.config.rateCost ?? 1;
    const cost = typeof configured === 'function' ? configured(request) : configured;
    const identity = request.identity;
    if (cost <= 0 || !identity) return;
    charge(
      [
        { limiter: limiters.user, key: identity.sub, cost, scope: 'user' },
        { limiter: limiters.tenant, key: identity.tenantId ?? PLATFORM, cost, scope: 'tenant' },
      ],
      'requests',
    );
  });

  app.decorate('chargeToken', (request: FastifyRequest, kind: 'connection' | 'subscription') => {
    const identity = request.identity!;
    const charges: Charge[] = [{ limiter: limiters.tokens, key: identity.sub, cost: 1, scope: 'tokens' }];
    if (kind === 'connection' && identity.tenantId) charges.push({ limiter: limiters.tenantConnections, key: identity.tenantId, cost: 1, scope: 'tenant_connections' });
    charge(charges, kind === 'connection' ? 'connection tokens' : 'token requests');
  });

  app.decorate('chargeIngestRequest', (keyId: string) => {
    // The key's events budget already spent: refuse before the body is parsed (it would cost more than the answer).
    const events = limiters.keyEvents.bucket(keyId);
    if (events.tokens < 1) refuse('ingest_key_events', limiters.keyEvents.retryAfterSec(events, 1), 'events');
    charge([{ limiter: limiters.ingest, key: keyId, cost: 1, scope: 'ingest' }], 'ingest requests');
  });

  app.decorate('chargeIngestEvents', (keyId: string, events: ReadonlyArray<{ tenantId?: unknown }>) => {
    // Counted from the body as sent, before validation: what a refused request asked for costs too, and a
    // flood past its budget never reaches the (dear) validation of its events.
    const perTenant = new Map<string, number>();
    for (const e of events) {
      const tenant = e.tenantId === undefined ? PLATFORM : isTenantId(e.tenantId) ? e.tenantId : INVALID;
      perTenant.set(tenant, (perTenant.get(tenant) ?? 0) + 1);
    }
    charge(
      [
        { limiter: limiters.keyEvents, key: keyId, cost: events.length, scope: 'ingest_key_events' },
        ...[...perTenant].map(([tenant, n]) => ({ limiter: limiters.tenantEvents, key: tenant, cost: n, scope: 'ingest_tenant_events' })),
      ],
      'events',
    );
  });
}, { name: 'neo-rate-limit' });
