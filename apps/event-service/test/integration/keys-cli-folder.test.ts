import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessDirectory } from '../../src/auth/access';
import { loadConfig } from '../../src/config';
import { AccessStore } from '../../src/store/access-store';
import { openDatabase } from '../../src/store/database';
import { ROOT } from '../../../../scripts/lib/paths.mjs';
import { serviceEnv } from '../../../../scripts/lib/system.mjs';

// The keys CLI on PGlite (the first key of a new install) writes where the event service will read it.
// It did not: the CLI's default folder was `npm start`'s (.data/pglite) while a service started alone
// reads DATA_DIR's default, .data, so its key went to a database no service opened. Now the CLI alone
// reads DATA_DIR as the service's config does, and `npm run keys` gives it `npm start`'s folder.

const temps: string[] = [];
const temp = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'neo-keys-'));
  temps.push(dir);
  return dir;
};
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Runs a command with only PATH and `env` (no DATABASE_URL or DATA_DIR from this process). */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The names of the ingest keys stored in the PGlite database in `dataDir`. */
async function keyNames(dataDir: string): Promise<string[]> {
  const database = await openDatabase({ dataDir });
  try {
    return (await new AccessDirectory(new AccessStore(database)).listIngestKeys()).map((k) => k.name);
  } finally {
    await database.close();
  }
}

const strong = () => randomBytes(32).toString('hex');

describe('the keys CLI on PGlite writes where the event service reads', () => {
  it('alone (as dist/keys.mjs in a container): DATA_DIR as the service reads it, its default included', async () => {
    const cwd = temp();
    const created = await run(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'apps/event-service/src/cli/keys.ts'), 'create', '--name', 'alone', '--tenants', 'acme'], cwd);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    // The folder a production service started in the same directory with nothing but its secrets opens.
    const config = loadConfig({ AUTH_JWT_SECRET: strong(), CENTRIFUGO_API_KEY: strong(), CENTRIFUGO_TOKEN_SECRET: strong() });
    expect(config.databaseUrl).toBeUndefined();
    expect(await keyNames(path.resolve(cwd, config.dataDir))).toEqual(['alone']);
  });

  it('through `npm run keys`: the folder npm start gives the service, under DATA_DIR', async () => {
    const dataDir = temp();
    const created = await run(process.execPath, [path.join(ROOT, 'scripts/keys.mjs'), 'create', '--name', 'local', '--tenants', 'acme'], ROOT, { DATA_DIR: dataDir });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created ingest key .* "local"/);
    const npmStart = serviceEnv({ centrifugoBin: 'centrifugo', dataDir, secrets: {}, ports: { centrifugo: 8000, service: 4000, portal: 3000 } });
    expect(await keyNames(npmStart.DATA_DIR!)).toEqual(['local']);
  });
});
