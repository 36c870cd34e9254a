import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { responses } from '../routes/responses';
import { sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EVENT_TYPES, isEventType, jsonByteLength, type AcceptedEvent, type DenialReason } from '@neo/contracts';
import { AppError } from '../errors';
import type { Database } from '../store/database';
import type { CentrifugoErrorKind } from '../centrifugo/client';
import type { EventSink } from '../pipeline/sink';
import type { ValidatedEvent } from '../pipeline/validate';

/*
 * Every label here takes its values from a closed set: event types (the registry), route templates
 * (the router), HTTP methods and status codes, catalogue codes and policy denial reasons, Centrifugo
 * API methods. Nothing from the request itself (tenant, channel, user, raw path) ever becomes a label
 * value: one series per tenant would grow without bound and sink Prometheus. Per-tenant figures are
 * served by `GET /v1/admin/top-tenants` instead.
 */

/** The Centrifugo API methods the client uses; anything else is counted as `other`. */
const CENTRIFUGO_METHODS = new Set(['publish', 'batch', 'history', 'presence', 'presence_stats', 'unsubscribe', 'disconnect', 'info', 'broadcast', 'subscribe', 'refresh', 'channels']);
/** Methods Node's HTTP parser accepts are a finite list, but only these are worth a series each. */
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const DENIAL_REASONS: ReadonlySet<string> = new Set<DenialReason>(['invalid_channel', 'not_tenant_member', 'missing_permission', 'admin_only', 'tenant_suspended', 'other_user']);
/** Token routes and the `kind` label their answers are counted under. */
const TOKEN_ROUTES: Readonly<Record<string, 'connection' | 'subscription'>> = {
  '/v1/realtime/connection-token': 'connection',
  '/v1/realtime/subscription-token': 'subscription',
};
/** Route label of requests no route matched (404s): the raw path would be unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The service's own Prometheus metrics, in their own registry (several apps may live in one process). */
export class ServiceMetrics {
  readonly registry = new Registry();
  #database: Database | null = null;

  readonly #ingestEvents = new Counter({ name: 'neo_ingest_events_total', help: 'Events accepted by POST /v1/events (stored, or already stored under the same id), by event type.', labelNames: ['type'] as const, registers: [this.registry] });
  readonly #ingestDuration = new Histogram({
    name: 'neo_ingest_duration_seconds',
    help: 'Time to store an ingest request (transaction incl. read models), observed once per event type in the request.',
    labelNames: ['type'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly #eventsReceived = new Counter({
    name: 'neo_events_received_total',
    help: 'Events received from producers by POST /v1/events, by event type (`unknown` for a type outside the registry) and outcome (accepted: stored or already stored under the same id; refused: its request was refused).',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly #eventSize = new Histogram({
    name: 'neo_event_size_bytes',
    help: 'Size of each accepted event’s data as JSON (UTF-8), bytes, by event type. The contract refuses more than 256 KiB.',
    labelNames: ['type'] as const,
    buckets: [100, 250, 500, 1000, 2500, 5000, 10_000, 50_000, 262_144],
    registers: [this.registry],
  });
  readonly #relayPublished = new Counter({ name: 'neo_relay_published_events_total', help: 'Events the relay published to Centrifugo (each once, in ingest order).', registers: [this.registry] });
  readonly #ingestFailures = new Counter({ name: 'neo_ingest_failures_total', help: 'Ingest requests whose events could not be stored, by catalogue code.', labelNames: ['code'] as const, registers: [this.registry] });
  readonly #relayBatchSize = new Histogram({ name: 'neo_relay_batch_size', help: 'Events per outbox batch published to Centrifugo.', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500], registers: [this.registry] });
  readonly #relayBatchDuration = new Histogram({ name: 'neo_relay_batch_duration_seconds', help: 'Time to relay one outbox batch (read, publish, mark), seconds.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  readonly #rateLimited = new Counter({ name: 'neo_rate_limited_total', help: 'Requests refused 429 by a budget, by scope (user, tenant, tokens, tenant_connections, ingest, ingest_key_events, ingest_tenant_events).', labelNames: ['scope'] as const, registers: [this.registry] });
  readonly #published = new Counter({ name: 'neo_published_events_total', help: 'Events published to Centrifugo, by path: fast (from memory right after the ingest commit) or relay (from the outbox: the fallback).', labelNames: ['path'] as const, registers: [this.registry] });
  readonly #fastPathFallbacks = new Counter({ name: 'neo_fast_path_fallback_events_total', help: 'Events the fast path could not publish and left to the relay (Centrifugo refused or unreachable, or earlier events of the channel not out in time).', registers: [this.registry] });
  readonly #carefulRetries = new Counter({
    name: 'neo_ingest_careful_retries_total',
    help: 'Ingest transactions undone on their optimistic first try and run again the careful way (stored ids looked up, instance state read under lock), by reason (stored_id, state_changed, refused, error). A steady state_changed rate means several service instances take turns on the same instances.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly #relayErrors = new Counter({ name: 'neo_relay_errors_total', help: 'Relay attempts that failed and will be retried.', registers: [this.registry] });
  readonly #retentionDeleted = new Counter({ name: 'neo_retention_deleted_events_total', help: 'Expired events deleted by the retention cleanup.', registers: [this.registry] });
  readonly #retentionBatchDuration = new Histogram({
    name: 'neo_retention_batch_duration_seconds',
    help: 'Time of one retention delete batch (one short transaction), seconds.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly #centrifugoErrors = new Counter({ name: 'neo_centrifugo_api_errors_total', help: 'Failed Centrifugo server API calls, by method and kind (unreachable, auth, http, malformed, api).', labelNames: ['method', 'kind'] as const, registers: [this.registry] });
  readonly #tokensIssued = new Counter({ name: 'neo_tokens_issued_total', help: 'Centrifugo tokens issued, by kind (connection, subscription).', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly #tokensRefused = new Counter({ name: 'neo_tokens_refused_total', help: 'Centrifugo token requests refused, by kind and reason (policy denial reason or catalogue code).', labelNames: ['kind', 'reason'] as const, registers: [this.registry] });
  readonly #httpRequests = new Counter({ name: 'neo_http_requests_total', help: 'HTTP requests answered, by method, route template and status code.', labelNames: ['method', 'route', 'status'] as const, registers: [this.registry] });
  readonly #httpDuration = new Histogram({
    name: 'neo_http_request_duration_seconds',
    help: 'HTTP request duration by method and route template, seconds.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor({ defaultMetrics = true }: { /** Node process metrics (CPU, memory, event loop lag). Default true. */ defaultMetrics?: boolean } = {}) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
    // prom-client calls `collect` with the gauge as `this`; the database is reached through this closure.
    const database = (): Database | null => this.#database;
    new Gauge({
      name: 'neo_relay_lag_seconds',
      help: 'Age of the oldest event not yet published to Centrifugo (0 when the outbox is empty), seconds.',
      registers: [this.registry],
      // Read on scrape with one indexed query, so the figure holds across instances sharing the database.
      async collect() {
        const db = database();
        if (!db) return;
        try {
          const [row] = await db.rows<{ lag: number | string | null }>(sql`select extract(epoch from now() - min(e.created_at)) as lag from outbox o join events e on e.pos = o.pos`);
          this.set(Math.max(0, Number(row?.lag ?? 0)));
        } catch {
          // Database unreachable: leave the series out rather than report a lag of 0; /readyz says why.
          this.reset();
        }
      },
    });
    new Gauge({
      name: 'neo_db_pool_connections',
      help: 'Postgres pool connections by pool (ingest: ingest, projectors, background work; requests: request handlers) and state (total, idle, waiting = queued for a connection). Absent on PGlite.',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      collect() {
        for (const stats of database()?.poolStats?.() ?? []) {
          this.set({ pool: stats.pool, state: 'total' }, stats.total);
          this.set({ pool: stats.pool, state: 'idle' }, stats.idle);
          this.set({ pool: stats.pool, state: 'waiting' }, stats.waiting);
        }
      },
    });
    this.#published.inc({ path: 'fast' }, 0);
    this.#published.inc({ path: 'relay' }, 0);
    // Zero series for every event type, so rates exist (and alerts evaluate) before the first event.
    for (const type of EVENT_TYPES) {
      this.#ingestEvents.inc({ type }, 0);
      this.#eventsReceived.inc({ type, outcome: 'accepted' }, 0);
    }
  }

  /** The database whose outbox age and pool are reported on scrape. */
  bindDatabase(database: Database): void {
    this.#database = database;
  }

  /** For the rate-limit plugin's `onRateLimited`. */
  readonly rateLimited = (scope: string): void => {
    this.#rateLimited.inc({ scope });
  };

  /** For `CentrifugoClient`'s `onError`. */
  readonly centrifugoError = (method: string, kind: CentrifugoErrorKind): void => {
    this.#centrifugoErrors.inc({ method: CENTRIFUGO_METHODS.has(method) ? method : 'other', kind });
  };

  /** For `Relay`'s `onBatch`. */
  readonly relayBatch = (info: { size: number; ms: number }): void => {
    this.#relayPublished.inc(info.size);
    this.#relayBatchSize.observe(info.size);
    this.#relayBatchDuration.observe(info.ms / 1000);
    this.#published.inc({ path: 'relay' }, info.size);
  };

  /** For `FastPath`'s `onPublished` and `onFallback`. */
  readonly fastPathPublished = (info: { size: number }): void => {
    this.#published.inc({ path: 'fast' }, info.size);
  };

  readonly fastPathFallback = (_reason: unknown, events: number): void => {
    this.#fastPathFallbacks.inc(events);
  };

  /** For `DurableSink`'s `onCarefulRetry`. */
  readonly carefulRetry = (reason: string): void => {
    this.#carefulRetries.inc({ reason });
  };

  /** For `RetentionWorker`'s `onBatch`. */
  readonly retentionBatch = (info: { deleted: number; ms: number }): void => {
    this.#retentionDeleted.inc(info.deleted);
    this.#retentionBatchDuration.observe(info.ms / 1000);
  };

  /** For `Relay`'s `onError`. */
  readonly relayError = (): void => {
    this.#relayErrors.inc();
  };

  /** Wraps a sink so that what it accepts is counted by event type and timed. */
  instrumentSink(sink: EventSink): EventSink {
    return {
      accept: async (events: ValidatedEvent[]): Promise<AcceptedEvent[]> => {
        const started = performance.now();
        try {
          const accepted = await sink.accept(events);
          const seconds = (performance.now() - started) / 1000;
          const perType = new Map<string, number>();
          for (const e of events) perType.set(e.envelope.type, (perType.get(e.envelope.type) ?? 0) + 1);
          for (const [type, n] of perType) {
            // The type passed the contract already; the guard keeps the label closed even if that changes.
            const label = isEventType(type) ? type : 'other';
            this.#ingestEvents.inc({ type: label }, n);
            this.#eventsReceived.inc({ type: label, outcome: 'accepted' }, n);
            this.#ingestDuration.observe({ type: label }, seconds);
          }
          for (const e of events) this.#eventSize.observe({ type: isEventType(e.envelope.type) ? e.envelope.type : 'other' }, e.dataBytes ?? jsonByteLength(e.envelope.data));
          return accepted;
        } catch (err) {
          this.#ingestFailures.inc({ code: err instanceof AppError ? err.code : 'ERR_INTERNAL' });
          throw err;
        }
      },
    };
  }

  /**
   * Counts the events of an ingest request that was refused (validation, scope, a domain rule, overload),
   * by the type each claimed; a type outside the registry is `unknown`, so the label stays closed.
   */
  readonly eventsRefused = (types: readonly unknown[]): void => {
    for (const type of types) this.#eventsReceived.inc({ type: isEventType(type) ? type : 'unknown', outcome: 'refused' });
  };

  /** Counts one answered request (called from `onResponse`). */
  observeRequest(request: FastifyRequest, status: number, seconds: number, error: unknown): void {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const method = HTTP_METHODS.has(request.method) ? request.method : 'OTHER';
    this.#httpRequests.inc({ method, route, status: String(status) });
    this.#httpDuration.observe({ method, route }, seconds);
    const kind = TOKEN_ROUTES[route];
    if (kind === undefined || method !== 'POST') return;
    if (status === 200) this.#tokensIssued.inc({ kind });
    else this.#tokensRefused.inc({ kind, reason: refusalReason(error, status) });
  }
}

/** A bounded reason: the policy's denial reason, else the catalogue code, else the status class. */
function refusalReason(error: unknown, status: number): string {
  if (error instanceof AppError) return error.reason && DENIAL_REASONS.has(error.reason) ? error.reason : error.code;
  if (status === 400) return 'ERR_VALIDATION';
  return status >= 500 ? 'ERR_INTERNAL' : `status_${Math.floor(status / 100)}xx`;
}

/** The error a request failed with, kept from `onError` until `onResponse` counts it. */
const failures = new WeakMap<FastifyRequest, unknown>();

/**
 * `GET /metrics` (Prometheus text format) and the hooks that count every request. Registered before
 * the routes so that its hooks apply to all of them, the 404 handler included.
 */
export const metricsPlugin = fp<{ metrics: ServiceMetrics }>(
  async (app, { metrics }) => {
    app.addHook('onError', async (request, _reply, error) => {
      failures.set(request, error);
    });
    app.addHook('onResponse', async (request, reply) => {
      metrics.observeRequest(request, reply.statusCode, reply.elapsedTime / 1000, failures.get(request));
    });
    const exposition = { description: 'Prometheus text exposition format', content: { [new Registry().contentType]: { schema: z.string() } } };
    app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', response: responses({ 200: exposition }) } }, async (_request, reply) => {
      const body = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(body);
    });
  },
  { name: 'neo-metrics' },
);
