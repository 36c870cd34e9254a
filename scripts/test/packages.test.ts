import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../lib/paths.mjs';
import { packAll } from '../lib/pack.mjs';
import { EVENT_TYPES } from '@neo/contracts';

const exec = promisify(execFile);

/** A consumer as another repository would write it: strict Node ESM, the packages' own types only. */
const CONSUMER = `import { EVENT_TYPES, authorize, channelOf, parseEventData, type EventData, type Identity } from '@neo/contracts';
import { DeploymentPublisher, EventClient, PublishError } from '@neo/publisher-sdk';

const data: EventData<'deployment_start'> = parseEventData('deployment_start', { deploymentId: 'dep-1', instanceType: 'odoo' });
const ana: Identity = { sub: 'u1', name: 'Ana', tenantId: 'acme', roles: [], permissions: ['deploy:read'], operator: false };
let refused = '';
try {
  parseEventData('deployment_start', { deploymentId: 'dep-1', instanceType: 'mainframe' });
} catch {
  refused = 'refused';
}
const client = new EventClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', maxAttempts: 1, maxElapsedMs: 2000 });
const publisher = new DeploymentPublisher(client);
let publish = '';
try {
  await publisher.publishStart('acme', 'dep-1', 'odoo');
} catch (err) {
  publish = err instanceof PublishError ? 'PublishError' : String(err);
}
console.log(JSON.stringify({
  types: EVENT_TYPES.length,
  channel: channelOf('deployment_progress', 'acme'),
  data,
  refused,
  own: authorize(ana, 'subscribe', 'deployments:acme').allowed,
  other: authorize(ana, 'subscribe', 'deployments:globex').allowed,
  publish,
}));
`;

// The SDK and the contract as another repository gets them: packed tarballs installed into a scratch
// project in a temp folder, imported from a TypeScript file that is typechecked (nodenext) and run.
describe('packed @neo/contracts and @neo/publisher-sdk', () => {
  let dir: string;
  let tarballs: string[];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'neo-consumer-'));
    tarballs = await packAll(path.join(dir, 'tarballs'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // zod and @noble/hashes come from the registry (or npm's cache), as for any consumer.
    await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs], { cwd: dir, timeout: 240_000 });
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each tarball has a version, exports with types, dist, a README, and no sources or tests', async () => {
    for (const tarball of tarballs) {
      const { stdout } = await exec('tar', ['tzf', tarball]);
      const files = stdout.trim().split('\n');
      expect(files).toContain('package/README.md');
      expect(files).toContain('package/dist/index.js');
      expect(files).toContain('package/dist/index.d.ts');
      expect(files.filter((f) => /\/(src|test)\/|\.test\./.test(f))).toEqual([]);
    }
    for (const name of ['contracts', 'publisher-sdk']) {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'node_modules/@neo', name, 'package.json'), 'utf8'));
      expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(manifest.exports['.']).toMatchObject({ types: './dist/index.d.ts', import: './dist/index.js' });
      expect(manifest.private).toBeUndefined();
    }
  });

  it('a TypeScript consumer typechecks against them (nodenext) and runs on Node', { timeout: 120_000 }, async () => {
    writeFileSync(path.join(dir, 'main.ts'), CONSUMER);
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, lib: ['ES2023', 'DOM'], types: [], outDir: 'out', skipLibCheck: false },
      files: ['main.ts'],
    }));
    // skipLibCheck off: the packed declarations themselves must typecheck.
    await exec(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(dir, 'tsconfig.json')], { cwd: dir }).catch((err: { stdout: string }) => {
      throw new Error(`tsc failed:\n${err.stdout}`);
    });
    // A type error in the consumer is caught (the check above is not vacuous).
    writeFileSync(path.join(dir, 'bad.ts'), "import { parseEventData } from '@neo/contracts';\nconst n: number = parseEventData('deployment_start', {}).deploymentId;\nconsole.log(n);\n");
    writeFileSync(path.join(dir, 'tsconfig.bad.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, files: ['bad.ts'] }));
    await expect(exec(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(dir, 'tsconfig.bad.json')], { cwd: dir })).rejects.toMatchObject({ stdout: expect.stringContaining("'string' is not assignable to type 'number'") });
    const { stdout } = await exec(process.execPath, [path.join(dir, 'out/main.js')], { cwd: dir, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      types: EVENT_TYPES.length,
      channel: 'deployments:acme',
      data: { deploymentId: 'dep-1', instanceType: 'odoo' },
      refused: 'refused',
      own: true,
      other: false,
      publish: 'PublishError',
    });
  });
});
