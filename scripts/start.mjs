#!/usr/bin/env node
// `npm start`: installs what is missing, provisions Centrifugo, builds, starts everything on the embedded
// defaults, waits until healthy, prints the URLs and demo logins. Ctrl-C or SIGTERM stops every child.
import { ensureDependencies } from './lib/deps.mjs';
import { provisionCentrifugo } from './lib/centrifugo.mjs';
import { buildAll } from './lib/build.mjs';
import { loadDevSecrets } from './lib/secrets.mjs';
import { startSystem } from './lib/system.mjs';
import { isPortFree } from './lib/proc.mjs';
import { DATA_DIR, pgliteDir } from './lib/paths.mjs';

const fail = (message) => {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
};

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node ≥ 20.19 is needed (this is ${process.versions.node})`);

const ports = {
  centrifugo: Number(process.env.CENTRIFUGO_PORT ?? 8000),
  service: Number(process.env.PORT ?? 4000),
  portal: Number(process.env.PORTAL_PORT ?? 3000),
};
// `npm start -- --oidc`: sign in through a local OpenID Connect provider (apps/demo-idp, the same demo
// users) instead of the demo login; the portal's server runs the login and keeps the session.
const oidc = process.argv.includes('--oidc') ? { port: Number(process.env.IDP_PORT ?? 4100) } : undefined;
const portNames = { centrifugo: 'CENTRIFUGO_PORT', service: 'PORT', portal: 'PORTAL_PORT', idp: 'IDP_PORT' };

try {
  await ensureDependencies();
  const centrifugoBin = await provisionCentrifugo();
  await buildAll();
  for (const [name, port] of Object.entries({ ...ports, ...(oidc ? { idp: oidc.port } : {}) })) {
    if (!(await isPortFree(port))) fail(`port ${port} (${name}) is busy; stop what uses it or set ${portNames[name]}`);
  }
  const system = await startSystem({
    centrifugoBin,
    dataDir: DATA_DIR,
    secrets: loadDevSecrets(),
    ports,
    databaseUrl: process.env.DATABASE_URL,
    deployer: process.env.DEMO_DEPLOYER !== 'off',
    oidc,
  });
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await system.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  for (const svc of system.services) {
    svc.child.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`npm start: ${svc.name} stopped unexpectedly (${signal ?? `exit ${code}`}); stopping the rest\n`);
      void shutdown('child exit').then(() => process.exit(1));
    });
  }
  console.log(`
NEO_STACK Realtime is running.
  Portal         http://localhost:${ports.portal}
  Event service  http://localhost:${ports.service}   (API docs: http://localhost:${ports.service}/docs)
  Centrifugo     http://localhost:${ports.centrifugo}   (WebSocket: ws://localhost:${ports.centrifugo}/connection/websocket)
  Database       ${process.env.DATABASE_URL ? 'DATABASE_URL' : `PGlite in ${pgliteDir()}`}
  Secrets        ${DATA_DIR}/secrets.json (environment variables override them)

${oidc ? `Sign-in        OpenID Connect through the local provider http://127.0.0.1:${oidc.port} (apps/demo-idp):
                 the portal's button goes there; the event service verifies its tokens (AUTH_JWKS_URL)
` : ''}Demo logins (password demo1234):
  ana@acme.test      tenant acme, every permission
  luis@acme.test     tenant acme, deployments and metrics only
  sofia@globex.test  tenant globex, every permission
  admin@neo.test     platform operator

Ctrl-C stops everything.
`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
