import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config';
import { answerClientError, answerError, registerErrorHandling } from './plugins/errors';
import { authPlugin } from './plugins/auth';
import { rateLimitPlugin } from './plugins/rate-limit';
import { hostMetricsWorker, instanceWatchWorker, pgliteVacuumWorker, presenceSweepWorker, retentionWorker } from './plugins/workers';
import { healthRoutes } from './routes/health';
import { authRoutes } from './routes/auth';
import { realtimeRoutes } from './routes/realtime';
import { adminRoutes } from './routes/admin';
import { eventRoutes } from './routes/events';
import { CentrifugoClient } from './centrifugo/client';
import { DurableSink } from './pipeline/durable-sink';
import { Relay } from './pipeline/relay';
import { FastPath } from './pipeline/fast-path';

/**
 * How old an outbox row must be before the relay takes it from the fast path, ms: for rows of an instance
 * that died before publishing. This instance's own failures are handed over at once (`takeOver`). Long
 * enough that a slow moment never makes the relay publish, again, what the fast path has in flight.
 */
const FAST_PATH_GRACE_MS = 10_000;
import type { Projector } from './pipeline/projector';
import { PresenceService } from './presence/presence-service';
import { presenceRoutes } from './routes/presence';
import { monitoringRoutes } from './routes/monitoring';
import { openDatabase, type Database } from './store/database';
import { historyRoutes } from './routes/history';
import { deploymentRoutes } from './routes/deployments';
import { notificationRoutes } from './routes/notifications';
import { deploymentProjector } from './pipeline/projectors/deployments';
import { notificationProjector } from './pipeline/projectors/notifications';
import { alertProjector, instanceMetricsProjector, instanceStatusProjector } from './pipeline/projectors/monitoring';
import { tenantAlertRules } from './monitoring/alert-rules';
import { metricsPlugin, ServiceMetrics } from './plugins/metrics';
import { topTenantsRoutes } from './routes/top-tenants';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    centrifugo: CentrifugoClient;
    database: Database;
    relay: Relay;
    presence: PresenceService;
    metrics: ServiceMetrics;
  }
}

export interface AppOptions {
  /** Fastify's logger; `false` in tests. Default: pino at `config.logLevel`. */
  logger?: boolean | { level: string };
  /** An open database to use (tests); by default one is opened from the config and closed with the app. */
  database?: Database;
  /** Start the outbox relay. Default true. */
  relay?: boolean;
}

/** A presence-enabled channel only ever read (presence_stats) by `/readyz` to reach Centrifugo's engine. */
const READINESS_PROBE_CHANNEL = 'presence:readyz-probe';

/** Builds the event service from its plugins. `server.ts` only listens. */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    // Longer than any parameter the contract accepts, even percent-encoded, so that a long one reaches
    // the route's schema (a 400 naming it) instead of the router's own 414 outside the catalogue.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
    // What the router refuses before any route runs (a malformed percent-escape) gets a problem document too.
    frameworkErrors: answerError,
    // …and so does what Node's HTTP parser refuses before there is a request (oversized headers).
    clientErrorHandler: answerClientError,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Answers go through their route's response schema (the contract's): a field nobody declared fails
  // the answer (the schemas are strict) instead of reaching clients unannounced. The hot read routes
  // write their 200 answers without that check (routes/responses.ts, builtAnswerSerializer); their tests
  // parse them with the schema instead.
  app.setSerializerCompiler(serializerCompiler);
  // The API speaks JSON only; anything else is a 415 problem, not a string handed to a route.
  app.removeContentTypeParser('text/plain');
  app.decorate('config', config);
  registerErrorHandling(app);

  // First: it documents every route registered after it, `/metrics` included.
  await app.register(swagger, {
    openapi: {
      info: { title: 'NEO_STACK Realtime event service', version: '1.0.0', description: 'Ingest, tokens, read models and history. Errors are RFC 9457 problem documents.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Platform user token' },
          ingestKey: { type: 'http', scheme: 'bearer', description: 'Ingest API key of an internal service' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  const metrics = new ServiceMetrics();
  app.decorate('metrics', metrics);
  // Before any route, so that its request hooks count every route and the 404 handler.
  await app.register(metricsPlugin, { metrics });
  const centrifugo = new CentrifugoClient({ url: config.centrifugo.url, apiKey: config.centrifugo.apiKey, onError: metrics.centrifugoError });
  app.decorate('centrifugo', centrifugo);

  await app.register(cors, {
    origin: [...config.corsOrigins],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    maxAge: 600,
    // A bare OPTIONS (no Origin or Access-Control-Request-Method) gets the preflight answer too, instead
    // of the plugin's own text/plain 400 outside the problem-document contract.
    strictPreflight: false,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const database = options.database ?? (await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    ingestPoolSize: config.db.ingestPoolSize,
    requestPoolSize: config.db.requestPoolSize,
    statementTimeoutMs: config.db.statementTimeoutMs,
  }));
  // Request handlers read through their own pool (Postgres), with a statement timeout: a flood of reads
  // can neither take the connections ingest and the relay need nor hold one for long.
  const requests = database.forRequests();
  app.decorate('database', database);
  metrics.bindDatabase(database);
  // The fast path publishes each commit's events from memory; the relay publishes what it could not
  // (older than the grace) and, on shutdown, everything. With FAST_PATH=off the relay publishes all.
  const fastPath = config.fastPath && options.relay !== false
    ? new FastPath(database, centrifugo, {
        onPublished: metrics.fastPathPublished,
        onFallback: (reason, events) => {
          metrics.fastPathFallback(reason, events);
          relay.takeOver();
          app.log.warn({ err: (reason as Error).message, events }, 'fast path: left to the relay');
        },
      })
    : null;
  const relay = new Relay(database, centrifugo, {
    graceMs: fastPath ? FAST_PATH_GRACE_MS : 0,
    onError: (err) => {
      metrics.relayError();
      app.log.warn({ err: (err as Error).message }, 'relay: publish failed; retrying');
    },
    onBatch: metrics.relayBatch,
  });
  app.decorate('relay', relay);

  await app.register(rateLimitPlugin, { config });
  app.onRateLimited(metrics.rateLimited);
  await app.register(authPlugin, { config, database });
  let draining = false;
  app.decorate('startDraining', () => {
    draining = true;
  });
  await app.register(healthRoutes, {
    isDraining: () => draining,
    checks: [
      { name: 'database', check: () => database.ping() },
      { name: 'centrifugo', check: async () => void (await centrifugo.info()) },
      // `info` answers even when Centrifugo has lost its Redis; a presence read goes through the engine.
      ...(config.centrifugo.engine === 'redis' ? [{ name: 'centrifugo_engine', check: async () => void (await centrifugo.presenceStats(READINESS_PROBE_CHANNEL)) }] : []),
    ],
  });
  await app.register(authRoutes, { config });
  await app.register(realtimeRoutes, { config });
  await app.register(adminRoutes, { config, database: requests });
  // Read models kept in the ingest transaction (deployments, notifications, …).
  const projectors: Projector[] = [
    deploymentProjector,
    notificationProjector,
    alertProjector,
    instanceMetricsProjector(tenantAlertRules(config.tenantAlertForSeconds)),
    instanceStatusProjector,
  ];
  const sink = metrics.instrumentSink(new DurableSink(database, projectors, {
    maxQueuedEvents: config.ingestQueueMaxEvents,
    onCommitted: fastPath?.publish,
    wakeRelay: () => relay.wake(),
    onCarefulRetry: metrics.carefulRetry,
  }));
  await app.register(eventRoutes, { sink, onRefused: metrics.eventsRefused });

  const presence = new PresenceService(requests, centrifugo, sink);
  app.decorate('presence', presence);
  await app.register(presenceRoutes, { presence });
  await app.register(monitoringRoutes, { database: requests, centrifugo });
  await app.register(presenceSweepWorker, { presence, intervalMs: config.presenceSweepMs });
  await app.register(instanceWatchWorker, { database, sink, intervalMs: config.instanceWatchMs });
  await app.register(hostMetricsWorker, { config, database, sink });
  await app.register(historyRoutes, { database: requests, centrifugo });
  await app.register(deploymentRoutes, { database: requests, centrifugo });
  await app.register(notificationRoutes, { database: requests, centrifugo });
  await app.register(topTenantsRoutes, { database: requests });

  await app.register(retentionWorker, { config, database, metrics });
  await app.register(pgliteVacuumWorker, { database });

  if (options.relay !== false) app.addHook('onReady', () => relay.start());
  app.addHook('onClose', async () => {
    // onClose runs after the listener closed and in-flight requests finished (preClose runs before),
    // so what those last requests stored is published too: the fast path finishes what it has in flight,
    // the relay drains the rest (bounded), then Centrifugo's connections and the database close.
    await fastPath?.stop();
    await relay.stop({ drain: true, timeoutMs: 5_000 });
    await centrifugo.close();
    if (!options.database) await database.close();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Makes `/readyz` answer 503 so a load balancer stops sending traffic before shutdown. */
    startDraining: () => void;
  }
}
