// Installs npm dependencies when they are missing or older than the lock file (idempotent).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { run } from './proc.mjs';

export async function ensureDependencies({ log = console.log } = {}) {
  const marker = path.join(ROOT, 'node_modules/.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  const fresh = existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh) return;
  log('installing npm dependencies…');
  await run('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT });
  // npm 11 skips install scripts of dependencies; Nuxt's generated types are prepared explicitly.
  await run(path.join(ROOT, 'node_modules/.bin/nuxt'), ['prepare'], { cwd: path.join(ROOT, 'apps/portal'), quiet: true });
}
