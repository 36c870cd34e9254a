// Builds what must be built, only when its sources changed: the bundled services and the portal.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { run } from './proc.mjs';

const IGNORED = new Set(['node_modules', '.nuxt', '.output', 'dist', 'test', '.data']);

/** Newest modification time (ms) of the files under the given paths. */
function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const entry of readdirSync(p)) if (!IGNORED.has(entry)) visit(path.join(p, entry));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach((p) => visit(path.join(ROOT, p)));
  return newest;
}

function isStale(output, inputs) {
  const out = path.join(ROOT, output);
  return !existsSync(out) || statSync(out).mtimeMs < newestMtime(inputs);
}

const SHARED_INPUTS = ['packages/contracts/src', 'packages/publisher-sdk/src', 'package-lock.json'];

/** The Node services are bundled with esbuild into one file each; dependencies stay external. */
export const SERVICES = {
  'event-service': { app: 'apps/event-service', entry: 'apps/event-service/src/server.ts', out: 'apps/event-service/dist/server.mjs' },
  // The ingest-key CLI (`npm run keys` runs its source; containers run this bundle).
  'event-service-keys': { app: 'apps/event-service', entry: 'apps/event-service/src/cli/keys.ts', out: 'apps/event-service/dist/keys.mjs' },
  'demo-deployer': { app: 'apps/demo-deployer', entry: 'apps/demo-deployer/src/main.ts', out: 'apps/demo-deployer/dist/main.mjs' },
  // The local OpenID Connect provider of `npm start -- --oidc` and the OIDC end-to-end tests.
  'demo-idp': { app: 'apps/demo-idp', entry: 'apps/demo-idp/src/main.ts', out: 'apps/demo-idp/dist/main.mjs' },
};

export async function bundleService(name, { force = false, log = console.log } = {}) {
  const svc = SERVICES[name];
  const appDir = svc.app;
  if (!existsSync(path.join(ROOT, svc.entry))) return;
  if (!force && !isStale(svc.out, [path.join(appDir, 'src'), ...SHARED_INPUTS])) return;
  log(`bundling ${name}…`);
  await run(path.join(ROOT, 'node_modules/.bin/esbuild'), [
    svc.entry,
    '--bundle',
    '--platform=node',
    '--target=node20',
    '--format=esm',
    '--sourcemap',
    `--outfile=${svc.out}`,
    // Third-party packages load from node_modules at run time; only our workspace packages are bundled.
    '--packages=external',
    '--alias:@neo/contracts=./packages/contracts/src/index.ts',
    '--alias:@neo/publisher-sdk=./packages/publisher-sdk/src/index.ts',
  ], { cwd: ROOT, quiet: true });
}

export async function buildPortal({ force = false, log = console.log } = {}) {
  const inputs = ['apps/portal/app', 'apps/portal/server', 'apps/portal/nuxt.config.ts', 'apps/portal/package.json', 'packages/nuxt-realtime', 'packages/contracts/src'];
  if (!force && !isStale('apps/portal/.output/nitro.json', inputs)) return;
  log('building the portal (nuxt build, ~30 s)…');
  await run(path.join(ROOT, 'node_modules/.bin/nuxt'), ['build'], { cwd: path.join(ROOT, 'apps/portal'), quiet: true, env: { ...process.env, NUXT_TELEMETRY_DISABLED: '1' } });
}

/**
 * The example host app (examples/host-app): not part of `npm start`; its end-to-end test builds it, as a
 * team adopting the layer would.
 */
export async function buildHostApp({ force = false, log = console.log } = {}) {
  const inputs = ['examples/host-app/app', 'examples/host-app/server', 'examples/host-app/nuxt.config.ts', 'examples/host-app/package.json', 'packages/nuxt-realtime', 'packages/contracts/src'];
  if (!force && !isStale('examples/host-app/.output/nitro.json', inputs)) return;
  log('building the example host app (nuxt build)…');
  await run(path.join(ROOT, 'node_modules/.bin/nuxt'), ['build'], { cwd: path.join(ROOT, 'examples/host-app'), quiet: true, env: { ...process.env, NUXT_TELEMETRY_DISABLED: '1' } });
}

export async function buildAll(opts = {}) {
  await Promise.all(Object.keys(SERVICES).map((name) => bundleService(name, opts)));
  await buildPortal(opts);
}
