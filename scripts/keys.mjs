// `npm run keys -- create|list|revoke`: the ingest-key CLI (apps/event-service/src/cli/keys.ts) on the
// database `npm start` uses: DATABASE_URL, or PGlite in <DATA_DIR, default .data>/pglite, where npm start
// puts the event service's. The CLI alone (dist/keys.mjs in a container) reads DATA_DIR as the event
// service does, as the PGlite folder itself.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, pgliteDir } from './lib/paths.mjs';

const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'apps/event-service/src/cli/keys.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, DATA_DIR: pgliteDir() },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
