// Starts the whole system (Centrifugo, event service, portal, demo deployer) as child processes.
// Used by `npm start` and by the end-to-end tests, so both run exactly the same thing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, pgliteDir } from './paths.mjs';
import { centrifugoValues, startCentrifugo } from './centrifugo.mjs';
import { freePort, retryOnBusyPort, spawnService, stopChild, waitForHttp } from './proc.mjs';
import { demoDeployerKey } from './operator-api.mjs';
import { devSecret } from './secrets.mjs';

/**
 * @typedef {{ name: string, child: import('node:child_process').ChildProcess, tail: string[], url?: string }} Service
 * @typedef {{
 *   centrifugoBin: string, dataDir: string, secrets: Record<string, string>,
 *   ports: { centrifugo: number, service: number, portal: number },
 *   databaseUrl?: string, portal?: boolean, deployer?: boolean, quiet?: boolean,
 *   env?: Record<string, string>, nodeEnv?: string, userConnectionLimit?: number,
 *   oidc?: OidcOptions, images?: { service?: BuiltImage, portal?: BuiltImage },
 * }} SystemOptions
 * @typedef {import('./docker-dry-build.mjs').BuiltImage} BuiltImage  with `images`, the event service and the
 *   portal run as those images would (their CMD, WORKDIR and ENV, then ours), not from the workspace
 * @typedef {{
 *   port: number, accessTokenTtl?: number, refreshTokenTtl?: number,
 * }} OidcOptions  the local identity provider (apps/demo-idp) and the portal's OIDC login, instead of the demo login
 */

/** `aud` of the platform tokens the local identity provider issues: the event service's resource indicator. */
export const OIDC_AUDIENCE = 'urn:neo:event-service';
/** The scope of the event service at the local provider. */
export const OIDC_SCOPE = 'openid profile realtime';

/** The issuer URL of the local identity provider on `port`. */
export const oidcIssuer = (/** @type {number} */ port) => `http://127.0.0.1:${port}`;

/**
 * Environment of the event service for this system: this process's, then what the system sets
 * (`serviceOwnEnv`).
 */
export function serviceEnv(/** @type {SystemOptions} */ o) {
  const env = { ...process.env, ...serviceOwnEnv(o) };
  // With OIDC the HS256 secret is off even when this process's environment has one.
  if (o.oidc) delete env.AUTH_JWT_SECRET;
  return env;
}

/** What the system sets in the event service's environment, without this process's own. */
function serviceOwnEnv(/** @type {SystemOptions} */ o) {
  const portalOrigins = [`http://localhost:${o.ports.portal}`, `http://127.0.0.1:${o.ports.portal}`];
  /** @type {Record<string, string>} */
  const env = {
    NODE_ENV: o.nodeEnv ?? 'development',
    // Local runs ask for the demo login explicitly; the service alone would behave as production.
    DEMO_LOGIN: 'on',
    HOST: '127.0.0.1',
    PORT: String(o.ports.service),
    DATA_DIR: pgliteDir(o.dataDir),
    CENTRIFUGO_URL: `http://127.0.0.1:${o.ports.centrifugo}`,
    CORS_ORIGINS: portalOrigins.join(','),
    ...o.secrets,
    ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
    ...o.env,
  };
  if (o.oidc) {
    // Identity from the provider's keys: the HS256 secret and the demo login are off (exclusive modes).
    delete env.AUTH_JWT_SECRET;
    env.DEMO_LOGIN = 'off';
    env.AUTH_JWKS_URL = `${oidcIssuer(o.oidc.port)}/jwks`;
    env.AUTH_ISSUER = oidcIssuer(o.oidc.port);
    env.AUTH_AUDIENCE = OIDC_AUDIENCE;
  }
  return env;
}

/**
 * How a built image's CMD (`node …`, run by this Node) starts: in its WORKDIR, with the environment a
 * container would have — a few of this machine's basics (PATH, HOME, temp folder), the image's ENV, then
 * `own` (what the system sets); nothing else of this process's (a test runner's NODE_ENV, say).
 * @param {BuiltImage} image
 * @param {Record<string, string | undefined>} own
 */
function imageCommand(image, own) {
  if (image.cmd[0] !== 'node') throw new Error(`the image's CMD does not start node: ${image.cmd.join(' ')}`);
  /** @type {Record<string, string | undefined>} */
  const basics = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR };
  return { args: image.cmd.slice(1), opts: { cwd: image.workdir, env: { ...basics, ...image.env, ...own } } };
}

/**
 * Starts the bundled event service with `env` on `port` (or a built image's, with `image`: then `env` is
 * only what the system sets, see imageCommand); resolves once
 * /readyz answers (pushed to `started` first, so that a caller's cleanup stops it even if it never becomes ready).
 * @param {{ env: NodeJS.ProcessEnv, port: number, quiet?: boolean, started: Service[], name?: string, image?: BuiltImage }} o
 */
export async function startEventService(o) {
  const name = o.name ?? 'event-service';
  const run = o.image ? imageCommand(o.image, o.env) : { args: ['--enable-source-maps', path.join(ROOT, 'apps/event-service/dist/server.mjs')], opts: { env: o.env } };
  const service = spawnService(name, process.execPath, run.args, { ...run.opts, quiet: o.quiet });
  o.started.push(service);
  await waitForHttp(`http://127.0.0.1:${o.port}/readyz`, { child: service.child, name, timeoutMs: 60_000 });
  service.url = `http://127.0.0.1:${o.port}`;
  return service;
}

/**
 * Starts the local OpenID Connect provider (apps/demo-idp, the demo users) with the portal as its client.
 * @param {{ oidc: OidcOptions, portalOrigin: string, clientSecret: string, quiet?: boolean, started: Service[] }} o
 */
export async function startDemoIdp(o) {
  const issuer = oidcIssuer(o.oidc.port);
  const idp = spawnService('demo-idp', process.execPath, ['--enable-source-maps', path.join(ROOT, 'apps/demo-idp/dist/main.mjs')], {
    quiet: o.quiet,
    env: {
      ...process.env,
      IDP_ISSUER: issuer,
      IDP_AUDIENCE: OIDC_AUDIENCE,
      IDP_CLIENT_ID: 'neo-portal',
      IDP_CLIENT_SECRET: o.clientSecret,
      IDP_REDIRECT_URIS: `${o.portalOrigin}/auth/oidc/callback`,
      IDP_POST_LOGOUT_REDIRECT_URIS: `${o.portalOrigin}/login`,
      IDP_ACCESS_TOKEN_TTL: String(o.oidc.accessTokenTtl ?? 300),
      IDP_REFRESH_TOKEN_TTL: String(o.oidc.refreshTokenTtl ?? 28_800),
    },
  });
  o.started.push(idp);
  await waitForHttp(`${issuer}/.well-known/openid-configuration`, { child: idp.child, name: 'demo-idp', timeoutMs: 30_000 });
  idp.url = issuer;
  return idp;
}

/**
 * The portal's environment for the OIDC login against the local provider. Development settings asked
 * for explicitly: an http:// issuer and cookies without `Secure` (http://localhost).
 * @param {{ oidc: OidcOptions, portalOrigin: string, clientSecret: string }} o
 */
export function portalOidcEnv(o) {
  return {
    NUXT_PUBLIC_AUTH_MODE: 'oidc',
    NUXT_OIDC_ISSUER: oidcIssuer(o.oidc.port),
    NUXT_OIDC_CLIENT_ID: 'neo-portal',
    NUXT_OIDC_CLIENT_SECRET: o.clientSecret,
    NUXT_OIDC_SCOPE: OIDC_SCOPE,
    NUXT_OIDC_RESOURCE: OIDC_AUDIENCE,
    NUXT_OIDC_REDIRECT_URI: `${o.portalOrigin}/auth/oidc/callback`,
    NUXT_OIDC_POST_LOGOUT_REDIRECT_URI: `${o.portalOrigin}/login`,
    NUXT_OIDC_SESSION_SECRET: devSecret() + devSecret(),
    NUXT_OIDC_COOKIE_SECURE: 'false',
    NUXT_OIDC_ALLOW_HTTP: 'true',
  };
}

/**
 * Starts the built portal (or a built image's, with `image`), talking to the event service and Centrifugo on `ports`.
 * @param {{ ports: { centrifugo: number, service: number, portal: number }, quiet?: boolean, started: Service[], env?: Record<string, string>, image?: BuiltImage }} o
 */
export async function startPortal(o) {
  const own = {
    HOST: '127.0.0.1',
    PORT: String(o.ports.portal),
    NUXT_PUBLIC_API_BASE: `http://localhost:${o.ports.service}`,
    NUXT_PUBLIC_CENTRIFUGO_WS: `ws://localhost:${o.ports.centrifugo}/connection/websocket`,
    ...o.env,
  };
  const run = o.image ? imageCommand(o.image, own) : { args: [path.join(ROOT, 'apps/portal/.output/server/index.mjs')], opts: { env: { ...process.env, ...own } } };
  const portal = spawnService('portal', process.execPath, run.args, { ...run.opts, quiet: o.quiet });
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

    const portalOrigin = `http://localhost:${o.ports.portal}`;
    const oidcClientSecret = devSecret();
    if (o.oidc) await startDemoIdp({ oidc: o.oidc, portalOrigin, clientSecret: oidcClientSecret, quiet: o.quiet, started });

    const env = serviceEnv(o);
    await startEventService({ env: o.images?.service ? serviceOwnEnv(o) : env, port: o.ports.service, quiet: o.quiet, started, image: o.images?.service });

    if (o.portal !== false) {
      await startPortal({ ports: o.ports, quiet: o.quiet, started, env: o.oidc ? portalOidcEnv({ oidc: o.oidc, portalOrigin, clientSecret: oidcClientSecret }) : undefined, image: o.images?.portal });
    }

    const deployerPath = path.join(ROOT, 'apps/demo-deployer/dist/main.mjs');
    if (o.deployer && existsSync(deployerPath)) {
      const serviceUrl = `http://127.0.0.1:${o.ports.service}`;
      // A producer gets a key scoped to what it publishes and to its tenants, as in production. With the
      // OIDC login there is no local operator secret to create one: the deployer uses the bootstrap key.
      const key = o.oidc ? o.secrets.INGEST_API_KEYS.split(',')[0] : await demoDeployerKey({
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

/**
 * startSystem on ports freePort() finds, drawn again (at most three times) when a start failed on a busy
 * port (retryOnBusyPort). `optionsFor` builds the options for the ports drawn (and may draw more itself).
 * @param {(ports: SystemOptions['ports']) => SystemOptions | Promise<SystemOptions>} optionsFor
 */
export function startSystemOnFreePorts(optionsFor) {
  return retryOnBusyPort(async () => {
    const ports = { centrifugo: await freePort(), service: await freePort(), portal: await freePort() };
    return startSystem(await optionsFor(ports));
  });
}
