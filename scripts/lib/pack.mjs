// Packs @neo/contracts and @neo/publisher-sdk for another repository: JavaScript built into dist/
// (esbuild, one ES module, dependencies external), declarations from tsc, and a manifest whose
// `exports` point at them. Inside this repository the workspaces keep resolving to src/ (Vite, vitest,
// tsx and esbuild read the TypeScript directly, so nothing here needs a build to see a change); the
// packed manifest is written into a staging folder from the workspace's, because npm has no per-pack
// override of `exports` (its `publishConfig` does not cover it). Node's standard library only.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { run } from './proc.mjs';

/** The packages another repository installs, in dependency order. */
export const PACKABLE = ['packages/contracts', 'packages/publisher-sdk'];

/**
 * Relative specifiers in emitted declarations get `.js`: our sources import `./channels` (bundler
 * resolution), and a consumer on `moduleResolution: node16/nodenext` resolves ES declarations only with
 * extensions. tsc has no option that adds them to extensionless sources.
 */
function addJsExtensions(dir) {
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) addJsExtensions(p);
    else if (entry.endsWith('.d.ts')) {
      const text = readFileSync(p, 'utf8').replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)(['"])/g, (m, a, spec, b) => (/\.(js|json)$/.test(spec) ? m : `${a}${spec}.js${b}`));
      writeFileSync(p, text);
    }
  }
}

/** The manifest of the packed package: the workspace's, with `exports`, `types` and `files` for dist/. */
function packedManifest(pkg) {
  const { devDependencies: _dev, private: _private, exports: _exports, types: _types, sideEffects, scripts: _scripts, ...rest } = pkg;
  return {
    ...rest,
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' }, './package.json': './package.json' },
    types: './dist/index.d.ts',
    main: './dist/index.js',
    files: ['dist', 'README.md'],
    // dist/index.js is one module: if any source file has side effects (contracts: zod's setup), it has.
    sideEffects: Array.isArray(sideEffects) ? ['./dist/index.js'] : (sideEffects ?? false),
    engines: { node: '>=20.19' },
  };
}

/**
 * Builds and packs one workspace package into `outDir`.
 * @param {string} dir e.g. `packages/contracts`
 * @param {string} outDir where the tarball goes
 * @returns {Promise<string>} the tarball's path
 */
export async function packPackage(dir, outDir) {
  const src = path.join(ROOT, dir);
  const pkg = JSON.parse(readFileSync(path.join(src, 'package.json'), 'utf8'));
  const stage = mkdtempSync(path.join(tmpdir(), 'neo-pack-'));
  try {
    const dist = path.join(stage, 'dist');
    await run(path.join(ROOT, 'node_modules/.bin/esbuild'), [path.join(src, 'src/index.ts'), '--bundle', '--format=esm', '--platform=neutral', '--target=es2022', '--packages=external', '--sourcemap', `--outfile=${path.join(dist, 'index.js')}`], { cwd: ROOT, quiet: true });
    await run(path.join(ROOT, 'node_modules/.bin/tsc'), [
      path.join(src, 'src/index.ts'),
      '--declaration', '--emitDeclarationOnly', '--outDir', dist, '--rootDir', path.join(src, 'src'),
      '--target', 'ES2023', '--lib', 'ES2023,DOM', '--module', 'ESNext', '--moduleResolution', 'Bundler',
      '--strict', '--skipLibCheck', '--types', 'node', '--resolveJsonModule', '--isolatedModules',
    ], { cwd: ROOT, quiet: true });
    addJsExtensions(dist);
    writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(packedManifest(pkg), null, 2)}\n`);
    cpSync(path.join(src, 'README.md'), path.join(stage, 'README.md'));
    mkdirSync(outDir, { recursive: true });
    const out = await run('npm', ['pack', '--json', '--pack-destination', outDir, '--loglevel=error'], { cwd: stage, quiet: true });
    const [{ filename }] = JSON.parse(out.slice(out.indexOf('[')));
    return path.join(outDir, filename);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Packs every {@link PACKABLE} package into `outDir`; returns the tarballs. */
export async function packAll(outDir) {
  const tarballs = [];
  for (const dir of PACKABLE) tarballs.push(await packPackage(dir, outDir));
  return tarballs;
}
