// Starts the whole system (Centrifugo, event service, portal, demo deployer) as child processes.
// Used by `npm start` and by the end-to-end tests, so both run exactly the same thing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { centrifugoValues, startCentrifugo } from './centrifugo.mjs';
import { spawnService, stopChild, waitForHttp } from './proc.mjs';
import { demoDeployerKey } from './operator-api.mjs';

/**
 * @typedef {{ name: string, child: import('node:child_process').ChildProcess, tail: string[], url?: string }} Service
 * @typedef {{
 *   centrifugoBin: string, dataDir: string, secrets: Record<string, string>,
 *   ports: { centrifugo: number, service: number, portal: number },
 *   databaseUrl?: string, portal?: boolean, deployer?: boolean, quiet?: boolean,
 *   env?: Record<string, string>, nodeEnv?: string, userConnectionLimit?: number,
 * }} SystemOptions
 */

/** Environment of the event service for this system. */
export function serviceEnv(/** @type {SystemOptions} */ o) {
  const portalOrigins = [`http://localhost:${o.ports.portal}`, `http://127.0.0.1:${o.ports.portal}`];
  /** @type {Record<string, string>} */
  const env = {
    ...process.env,
    NODE_ENV: o.nodeEnv ?? 'development',
    // Local runs ask for the demo login explicitly; the service alone would behave as production.
    DEMO_LOGIN: 'on',
    HOST: '127.0.0.1',
    PORT: String(o.ports.service),
    DATA_DIR: path.join(o.dataDir, 'pglite'),
    CENTRIFUGO_URL: `http://127.0.0.1:${o.ports.centrifugo}`,
    CORS_ORIGINS: portalOrigins.join(','),
    ...o.secrets,
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
    ...o.env,
  };
  return env;
}

/**
 * Starts the bundled event service with `env` on `port`; resolves once /readyz answers (pushed to `started` first,
 * so that a caller's cleanup stops it even if it never becomes ready).
 * @param {{ env: NodeJS.ProcessEnv, port: number, quiet?: boolean, started: Service[], name?: string }} o
 */
export async function startEventService(o) {
  const name = o.name ?? 'event-service';
  const service = spawnService(name, process.execPath, ['--enable-source-maps', path.join(ROOT, 'apps/event-service/dist/server.mjs')], { env: o.env, quiet: o.quiet });
  o.started.push(service);
  await waitForHttp(`http://127.0.0.1:${o.port}/readyz`, { child: service.child, name, timeoutMs: 60_000 });
  service.url = `http://127.0.0.1:${o.port}`;
  return service;
}

/**
 * Starts the built portal, talking to the event service and Centrifugo on `ports`.
 * @param {{ ports: { centrifugo: number, service: number, portal: number }, quiet?: boolean, started: Service[] }} o
 */
export async function startPortal(o) {
  const portal = spawnService('portal', process.execPath, [path.join(ROOT, 'apps/portal/.output/server/index.mjs')], {
    quiet: o.quiet,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(o.ports.portal),
      NUXT_PUBLIC_API_BASE: `http://localhost:${o.ports.service}`,
      NUXT_PUBLIC_CENTRIFUGO_WS: `ws://localhost:${o.ports.centrifugo}/connection/websocket`,
    },
  });
  o.started.push(portal);
  await waitForHttp(`http://127.0.0.1:${o.ports.portal}/login`, { child: portal.child, name: 'portal', timeoutMs: 30_000 });
  portal.url = `http://localhost:${o.ports.portal}`;
  return portal;
}

/** @param {SystemOptions} o */
export async function startSystem(o) {
  /** @type {Service[]} */
  const started = [];
  const stop = async () => {
    for (const svc of [...started].reverse()) await stopChild(svc.child);
  };
  try {
    const portalOrigins = [`http://localhost:${o.ports.portal}`, `http://127.0.0.1:${o.ports.portal}`];
    const centrifugo = await startCentrifugo({
      bin: o.centrifugoBin,
      dir: path.join(o.dataDir, 'centrifugo'),
      quiet: o.quiet,
      values: centrifugoValues({
        port: o.ports.centrifugo,
        apiKey: o.secrets.CENTRIFUGO_API_KEY,
        tokenSecret: o.secrets.CENTRIFUGO_TOKEN_SECRET,
        allowedOrigins: portalOrigins,
        userConnectionLimit: o.userConnectionLimit,
      }),
    });
    started.push(centrifugo);

    const env = serviceEnv(o);
    await startEventService({ env, port: o.ports.service, quiet: o.quiet, started });

    if (o.portal !== false) await startPortal({ ports: o.ports, quiet: o.quiet, started });

    const deployerPath = path.join(ROOT, 'apps/demo-deployer/dist/main.mjs');
    if (o.deployer && existsSync(deployerPath)) {
      const serviceUrl = `http://127.0.0.1:${o.ports.service}`;
      // A producer gets a key scoped to what it publishes and to its tenants, as in production.
      const key = await demoDeployerKey({
        serviceUrl,
        jwtSecret: o.secrets.AUTH_JWT_SECRET,
        stateFile: path.join(o.dataDir, 'demo-deployer-key.json'),
        tenants: (env.DEMO_TENANTS ?? 'acme,globex').split(',').map((t) => t.trim()).filter(Boolean),
      });
      const deployer = spawnService('demo-deployer', process.execPath, ['--enable-source-maps', deployerPath], {
        quiet: o.quiet,
        env: { ...env, EVENT_SERVICE_URL: serviceUrl, INGEST_API_KEY: key },
      });
      started.push(deployer);
    }
    return { services: started, stop, ports: o.ports };
  } catch (err) {
    await stop();
    throw err;
  }
}
