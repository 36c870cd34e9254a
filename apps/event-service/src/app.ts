import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config';
import { registerErrorHandling } from './plugins/errors';
import { authPlugin } from './plugins/auth';
import { rateLimitPlugin } from './plugins/rate-limit';
import { healthRoutes } from './routes/health';
import { authRoutes } from './routes/auth';
import { realtimeRoutes } from './routes/realtime';
import { adminRoutes } from './routes/admin';
import { eventRoutes } from './routes/events';
import { CentrifugoClient } from './centrifugo/client';
import { DurableSink } from './pipeline/durable-sink';
import { Relay } from './pipeline/relay';
import type { Projector } from './pipeline/projector';
import { openDatabase, type Database } from './store/database';
import { deleteExpiredEvents } from './store/event-store';
import { historyRoutes } from './routes/history';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    centrifugo: CentrifugoClient;
    database: Database;
    relay: Relay;
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

/** Builds the event service from its plugins. `server.ts` only listens. */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    logController: new LogController({ disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace' }),
    routerOptions: { ignoreTrailingSlash: true },
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only; anything else is a 415 problem, not a string handed to a route.
  app.removeContentTypeParser('text/plain');
  app.decorate('config', config);
  registerErrorHandling(app);

  const centrifugo = new CentrifugoClient({ url: config.centrifugo.url, apiKey: config.centrifugo.apiKey });
  app.decorate('centrifugo', centrifugo);

  await app.register(cors, {
    origin: [...config.corsOrigins],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    maxAge: 600,
  });
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
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const database = options.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  app.decorate('database', database);
  const relay = new Relay(database, centrifugo, {
    onError: (err) => app.log.warn({ err: (err as Error).message }, 'relay: publish failed; retrying'),
  });
  app.decorate('relay', relay);

  await app.register(rateLimitPlugin, { config });
  await app.register(authPlugin, { config });
  let draining = false;
  app.decorate('startDraining', () => {
    draining = true;
  });
  await app.register(healthRoutes, {
    isDraining: () => draining,
    checks: [
      { name: 'database', check: () => database.ping() },
      { name: 'centrifugo', check: async () => void (await centrifugo.info()) },
    ],
  });
  await app.register(authRoutes, { config });
  await app.register(realtimeRoutes, { config });
  await app.register(adminRoutes, { config });
  // Read models kept in the ingest transaction (deployments, notifications, …).
  const projectors: Projector[] = [];
  await app.register(eventRoutes, { sink: new DurableSink(database, relay, projectors) });
  await app.register(historyRoutes, { database, centrifugo });

  const retention = setInterval(() => {
    const cutoff = new Date(Date.now() - config.retentionDays * 86_400_000);
    deleteExpiredEvents(database, cutoff).then(
      (n) => n > 0 && app.log.info({ deleted: n }, 'retention: deleted expired events'),
      (err) => app.log.warn({ err: (err as Error).message }, 'retention cleanup failed'),
    );
  }, 3_600_000);
  retention.unref();

  if (options.relay !== false) app.addHook('onReady', () => relay.start());
  app.addHook('preClose', async () => {
    clearInterval(retention);
    // Publish what was acknowledged before going away (bounded), then stop the relay.
    await relay.stop({ drain: true, timeoutMs: 5_000 });
  });
  app.addHook('onClose', async () => {
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
