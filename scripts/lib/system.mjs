// Starts the whole system (Centrifugo, event service, portal, demo deployer) as child processes.
// Used by `npm start` and by the end-to-end tests, so both run exactly the same thing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { centrifugoValues, startCentrifugo } from './centrifugo.mjs';
import { spawnService, stopChild, waitForHttp } from './proc.mjs';

/**
 * @typedef {{ name: string, child: import('node:child_process').ChildProcess, tail: string[], url?: string }} Service
 * @typedef {{
 *   centrifugoBin: string, dataDir: string, secrets: Record<string, string>,
 *   ports: { centrifugo: number, service: number, portal: number },
 *   databaseUrl?: string, portal?: boolean, deployer?: boolean, quiet?: boolean,
 *   env?: Record<string, string>, nodeEnv?: string,
 * }} SystemOptions
 */

/** Environment of the event service for this system. */
export function serviceEnv(/** @type {SystemOptions} */ o) {
  const portalOrigins = [`http://localhost:${o.ports.portal}`, `http://127.0.0.1:${o.ports.portal}`];
  /** @type {Record<string, string>} */
  const env = {
    ...process.env,
    NODE_ENV: o.nodeEnv ?? 'development',
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
      }),
    });
    started.push(centrifugo);

    const env = serviceEnv(o);
    const service = spawnService('event-service', process.execPath, ['--enable-source-maps', path.join(ROOT, 'apps/event-service/dist/server.mjs')], { env, quiet: o.quiet });
    started.push(service);
    await waitForHttp(`http://127.0.0.1:${o.ports.service}/readyz`, { child: service.child, name: 'event-service', timeoutMs: 60_000 });
    service.url = `http://127.0.0.1:${o.ports.service}`;

    if (o.portal !== false) {
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
      started.push(portal);
      await waitForHttp(`http://127.0.0.1:${o.ports.portal}/login`, { child: portal.child, name: 'portal', timeoutMs: 30_000 });
      portal.url = `http://localhost:${o.ports.portal}`;
    }

    const deployerPath = path.join(ROOT, 'apps/demo-deployer/dist/main.mjs');
    if (o.deployer && existsSync(deployerPath)) {
      const deployer = spawnService('demo-deployer', process.execPath, ['--enable-source-maps', deployerPath], {
        quiet: o.quiet,
        env: { ...env, EVENT_SERVICE_URL: `http://127.0.0.1:${o.ports.service}`, INGEST_API_KEY: o.secrets.INGEST_API_KEYS.split(',')[0] },
      });
      started.push(deployer);
    }
    return { services: started, stop, ports: o.ports };
  } catch (err) {
    await stop();
    throw err;
  }
}
