// Builds a Dockerfile's stages without a Docker engine (none on this machine, nor on CI): each stage is a
// folder standing for its filesystem, COPY copies into it (from the build context as .dockerignore leaves
// it, or from an earlier stage), RUN runs the command there with this machine's Node and npm, and the
// last stage's WORKDIR and CMD say how to start what was built. `docker compose config` checks the compose
// file; this checks what the images are made of: a file the build needs and never copies, a workspace
// manifest `npm ci` misses, a runtime stage that lacks a package.
//
// Written here rather than taken from a library: the registries hold Dockerfile parsers, but no builder
// that runs without an engine or a daemon (buildah, kaniko and BuildKit all need one).
//
// What it cannot check: the base image (its Node is this machine's major version, its npm may differ),
// USER and file ownership, EXPOSE, and a RUN that names an absolute path (it would see this machine's).
// ADD is read as COPY (no URLs, no archives unpacked); COPY's flags other than --from are ignored.
// Node's standard library only.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { run } from './proc.mjs';

/** The project's images: name → Dockerfile, relative to the repository (the build context). */
export const IMAGES = /** @type {const} */ ({ 'event-service': 'apps/event-service/Dockerfile', portal: 'apps/portal/Dockerfile' });

/**
 * @typedef {{ instruction: string, args: string, line: number }} Step
 * @typedef {{ index: number, name: string | null, image: string, steps: Step[] }} Stage
 * @typedef {{ dir: string, workdir: string, cmd: string[], env: Record<string, string> }} BuiltImage
 */

/**
 * A Dockerfile's stages and their steps (continuation lines joined, comments dropped).
 * @param {string} text
 * @returns {Stage[]}
 */
export function parseDockerfile(text) {
  /** @type {Stage[]} */
  const stages = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let logical = lines[i] ?? '';
    while (logical.trimEnd().endsWith('\\') && i + 1 < lines.length) logical = `${logical.trimEnd().slice(0, -1)} ${lines[++i]}`;
    logical = logical.trim();
    if (logical === '' || logical.startsWith('#')) continue;
    const match = /^(\S+)\s*(.*)$/.exec(logical);
    if (!match) continue;
    const instruction = match[1].toUpperCase();
    const args = match[2].trim();
    if (instruction === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`line ${line}: FROM ${args}: expected "FROM image [AS name]"`);
      stages.push({ index: stages.length, name: from[2] ?? null, image: from[1], steps: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`line ${line}: ${instruction} before the first FROM`);
    stage.steps.push({ instruction, args, line });
  }
  if (stages.length === 0) throw new Error('no FROM: not a Dockerfile');
  return stages;
}

/**
 * The exec form (`["node", "x.mjs"]`) as an array; the shell form as `sh -c` would run it.
 * @param {string} args
 */
function commandOf(args) {
  return args.startsWith('[') ? /** @type {string[]} */ (JSON.parse(args)) : ['/bin/sh', '-c', args];
}

/**
 * ENV's `KEY=value` pairs (several per line; `"…"` quoting), or the old `ENV KEY value` form.
 * @param {string} args
 */
function envPairs(args) {
  if (!args.includes('=')) {
    const [key, ...rest] = args.split(/\s+/);
    return { [key]: rest.join(' ') };
  }
  /** @type {Record<string, string>} */
  const pairs = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) pairs[m[1]] = m[2].startsWith('"') ? JSON.parse(m[2]) : m[2];
  return pairs;
}

/**
 * Whether a context-relative path is left out by one of .dockerignore's patterns (`*` and `**` globs,
 * anchored at the context's root, a pattern also leaving out everything under what it matches; `!`
 * exceptions re-include, the last matching pattern wins, as Docker reads them).
 * @param {string[]} patterns
 * @param {string} relative
 */
export function ignoredBy(patterns, relative) {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = path.posix.normalize((negate ? raw.slice(1) : raw).replace(/^\/+/, ''));
    const source = pattern
      .split('/')
      .map((part) => (part === '**' ? '(?:.*)' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
      .join('/')
      .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
    if (new RegExp(`^${source}(?:/.*)?$`).test(relative)) ignored = !negate;
  }
  return ignored;
}

/** .dockerignore's patterns (empty when there is none). @param {string} context */
function dockerignore(context) {
  const file = path.join(context, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * What a RUN sees besides the stage's ENV: this machine's PATH, HOME (npm's cache and registry settings)
 * and temp folder, as a base image's shell would have them; not the caller's NODE_ENV or the `npm_*`
 * variables of an `npm run` around it, which would change what `npm ci` installs. One npm setting of our
 * own: prefer its cache.
 */
function baseEnv() {
  /** @type {Record<string, string>} */
  const env = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[key] !== undefined) env[key] = /** @type {string} */ (process.env[key]);
  // npm takes what its cache holds without asking the registry again (the same versions: the lockfile
  // pins them); a package it does not hold still comes from the registry.
  env.npm_config_prefer_offline = 'true';
  return env;
}

/**
 * Builds every stage of `dockerfile` under `outDir` (emptied first) and returns the last stage: its folder,
 * WORKDIR (inside that folder), CMD and ENV. Throws on the first step that fails, naming it.
 * @param {{ dockerfile: string, context: string, outDir: string, log?: (line: string) => void, quiet?: boolean }} o
 * @returns {Promise<BuiltImage>}
 */
export async function dryBuild(o) {
  const log = o.log ?? (() => {});
  const stages = parseDockerfile(readFileSync(o.dockerfile, 'utf8'));
  const patterns = dockerignore(o.context);
  rmSync(o.outDir, { recursive: true, force: true });
  /** @type {Map<string, string>} stage name or index → its folder */
  const roots = new Map();
  /** @type {BuiltImage | null} */
  let last = null;
  for (const stage of stages) {
    const root = path.join(o.outDir, `stage-${stage.index}${stage.name ? `-${stage.name}` : ''}`);
    mkdirSync(root, { recursive: true });
    roots.set(String(stage.index), root);
    if (stage.name) roots.set(stage.name, root);
    if (roots.has(stage.image)) cpSync(/** @type {string} */ (roots.get(stage.image)), root, { recursive: true });
    let workdir = '/';
    /** @type {Record<string, string>} */
    const env = {};
    let cmd = /** @type {string[]} */ ([]);
    const inside = (/** @type {string} */ p) => path.join(root, path.posix.resolve(workdir, p));
    log(`stage ${stage.name ?? stage.index} (${stage.image})`);
    for (const step of stage.steps) {
      const where = `${path.basename(o.dockerfile)}:${step.line} ${step.instruction}`;
      if (step.instruction === 'WORKDIR') {
        workdir = path.posix.resolve(workdir, step.args);
        mkdirSync(inside('.'), { recursive: true });
      } else if (step.instruction === 'ENV') {
        Object.assign(env, envPairs(step.args));
      } else if (step.instruction === 'CMD') {
        cmd = commandOf(step.args);
      } else if (step.instruction === 'COPY' || step.instruction === 'ADD') {
        copyStep(step, { where, roots, context: o.context, patterns, inside });
        log(`  COPY ${step.args}`);
      } else if (step.instruction === 'RUN') {
        log(`  RUN ${step.args}`);
        const started = Date.now();
        try {
          await run('/bin/sh', ['-c', step.args], { cwd: inside('.'), env: { ...baseEnv(), ...env }, quiet: o.quiet ?? true });
        } catch (err) {
          const output = String(/** @type {any} */ (err).output ?? '').trim().split('\n').slice(-15).join('\n');
          throw new Error(`${where} failed: ${step.args}\n${output}`, { cause: err });
        }
        log(`    done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      // USER, EXPOSE, LABEL, HEALTHCHECK…: nothing to build here.
    }
    last = { dir: root, workdir: inside('.'), cmd, env };
  }
  return /** @type {BuiltImage} */ (last);
}

/**
 * COPY [--from=stage] src… dest: a folder's contents into dest, a file into dest (a folder when dest ends
 * with `/` or several sources are named). From the context, what .dockerignore leaves out is not copied.
 * @param {Step} step
 * @param {{ where: string, roots: Map<string, string>, context: string, patterns: string[], inside: (p: string) => string }} o
 */
function copyStep(step, o) {
  const words = step.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const [dest, ...sourcesReversed] = words.filter((w) => !w.startsWith('--')).reverse();
  const sources = sourcesReversed.reverse();
  const fromFlag = flags.find((f) => f.startsWith('--from='));
  const fromRoot = fromFlag ? o.roots.get(fromFlag.slice('--from='.length)) : null;
  if (fromFlag && !fromRoot) throw new Error(`${o.where}: no earlier stage ${fromFlag.slice(7)}`);
  if (!dest || sources.length === 0) throw new Error(`${o.where}: expected sources and a destination`);
  const target = o.inside(dest);
  const intoFolder = dest.endsWith('/') || sources.length > 1;
  for (const source of sources) {
    const relative = path.posix.normalize(source.replace(/^\/+/, ''));
    const from = fromRoot ? path.join(fromRoot, relative) : path.join(o.context, relative);
    if (!fromRoot && (relative.startsWith('..') || ignoredBy(o.patterns, relative))) {
      throw new Error(`${o.where}: ${source} is outside the build context or left out by .dockerignore`);
    }
    if (!existsSync(from)) throw new Error(`${o.where}: ${source} does not exist${fromRoot ? ` in stage ${fromFlag?.slice(7)}` : ' in the build context'}`);
    const isFolder = statSync(from).isDirectory();
    const to = isFolder || !intoFolder ? target : path.join(target, path.basename(relative));
    mkdirSync(isFolder ? to : path.dirname(to), { recursive: true });
    cpSync(from, to, {
      recursive: true,
      // From the context, only what .dockerignore leaves in (paths relative to the context's root).
      filter: fromRoot ? undefined : (p) => !ignoredBy(o.patterns, path.relative(o.context, p).split(path.sep).join('/')),
    });
  }
}
