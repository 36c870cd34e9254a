import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config';
import { registerErrorHandling } from './plugins/errors';
import { authPlugin } from './plugins/auth';
import { healthRoutes } from './routes/health';
import { authRoutes } from './routes/auth';
import { realtimeRoutes } from './routes/realtime';
import { eventRoutes } from './routes/events';
import { CentrifugoClient } from './centrifugo/client';
import { DirectSink } from './pipeline/direct-sink';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    centrifugo: CentrifugoClient;
  }
}

export interface AppOptions {
  /** Fastify's logger; `false` in tests. Default: pino at `config.logLevel`. */
  logger?: boolean | { level: string };
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

  await app.register(authPlugin, { config });
  let draining = false;
  app.decorate('startDraining', () => {
    draining = true;
  });
  await app.register(healthRoutes, {
    isDraining: () => draining,
    checks: [{ name: 'centrifugo', check: async () => void (await centrifugo.info()) }],
  });
  await app.register(authRoutes, { config });
  await app.register(realtimeRoutes, { config });
  await app.register(eventRoutes, { sink: new DirectSink(centrifugo) });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Makes `/readyz` answer 503 so a load balancer stops sending traffic before shutdown. */
    startDraining: () => void;
  }
}
