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
// ADD is read as COPY (no URLs, no archives unpacked); COPY's flags other than --from are ignored; RUN
// sees this machine's programs (a base image may lack one it uses). `$VAR` is expanded from ARG and ENV
// in FROM, WORKDIR, ENV and COPY (RUN's shell expands its own); a build argument cannot be passed in.
// Node's standard library only.
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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
 * A Dockerfile's stages and their steps: continuation lines joined (comment and blank lines inside them
 * dropped, as Docker does), comments dropped, `FROM`'s flags (`--platform`) ignored, ARGs before the
 * first FROM kept with their defaults (`globalArgs`) for `$VAR` in FROM.
 * @param {string} text
 * @returns {Stage[]}
 */
export function parseDockerfile(text) {
  /** @type {Stage[]} */
  const stages = [];
  /** @type {Record<string, string>} */
  const globalArgs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let logical = (lines[i] ?? '').trim();
    if (logical === '' || logical.startsWith('#')) continue;
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      const next = (lines[++i] ?? '').trim();
      if (next === '' || next.startsWith('#')) continue;
      logical = `${logical.slice(0, -1)} ${next}`;
    }
    const match = /^(\S+)\s*(.*)$/.exec(logical);
    if (!match) continue;
    const instruction = match[1].toUpperCase();
    const args = match[2].trim();
    if (instruction === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`line ${line}: FROM ${args}: expected "FROM [--flags] image [AS name]"`);
      stages.push({ index: stages.length, name: from[2]?.toLowerCase() ?? null, image: expand(from[1], globalArgs), steps: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (instruction !== 'ARG') throw new Error(`line ${line}: ${instruction} before the first FROM`);
      Object.assign(globalArgs, envPairs(args));
      continue;
    }
    stage.steps.push({ instruction, args, line });
  }
  if (stages.length === 0) throw new Error('no FROM: not a Dockerfile');
  return stages;
}

/**
 * `$NAME` and `${NAME}` replaced by their values (unset: empty, as Docker does); `\$` keeps a `$`.
 * @param {string} text
 * @param {Record<string, string>} vars
 */
function expand(text, vars) {
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, braced, bare) => (all === '\\$' ? '$' : (vars[braced ?? bare] ?? '')));
}

/**
 * The exec form (`["node", "x.mjs"]`) as an array; the shell form as `sh -c` would run it.
 * @param {string} args
 */
function commandOf(args) {
  return args.startsWith('[') ? /** @type {string[]} */ (JSON.parse(args)) : ['/bin/sh', '-c', args];
}

/**
 * Words as a shell reads them: `"…"` (backslash escapes), `'…'` (literal) and unquoted text (backslash
 * escapes), adjacent parts joined, whitespace between words.
 * @param {string} text
 */
function shellWords(text) {
  const words = [];
  let word = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${text}`);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; i < text.length && text[i] !== '"'; i++) word += text[i] === '\\' && i + 1 < text.length ? text[++i] : text[i];
      if (i >= text.length) throw new Error(`unterminated " in: ${text}`);
    } else {
      word = (word ?? '') + (c === '\\' && i + 1 < text.length ? text[++i] : c);
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/**
 * ENV's (or ARG's) `KEY=value` pairs, several per line with shell quoting; or the old `ENV KEY value` form
 * (its first word has no `=`), where the value is the rest of the line.
 * @param {string} args
 */
export function envPairs(args) {
  const first = /^\S+/.exec(args)?.[0] ?? '';
  if (!first.includes('=')) {
    const rest = args.slice(first.length).trim();
    return { [first]: rest };
  }
  /** @type {Record<string, string>} */
  const pairs = {};
  for (const word of shellWords(args)) {
    const eq = word.indexOf('=');
    if (eq > 0) pairs[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return pairs;
}

/**
 * One .dockerignore pattern as a regular expression over context-relative paths: `**` any number of
 * folders, `*` and `?` within one, `[…]` a class, `\` an escape; what it matches and everything under it.
 * @param {string} pattern
 */
function patternRegExp(pattern) {
  return new RegExp(`^${patternSource(pattern)}(?:/.*)?$`);
}

/** The regular expression's source for one pattern (see patternRegExp), unanchored. @param {string} pattern */
function patternSource(pattern) {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` any folders (or none); a final `**` anything.
      if (pattern[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) source += '\\[';
      else {
        source += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) source += `\\${pattern[++i]}`;
    else source += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return source;
}

/** A pattern as Docker cleans it: no leading `/`, no trailing `/`, `.` and `..` resolved. @param {string} raw */
const cleanPattern = (raw) => path.posix.normalize(raw.replace(/^\/+/, '')).replace(/\/+$/, '');

/**
 * Whether a context-relative path is left out by .dockerignore's patterns, as Docker reads them:
 * anchored at the context's root, a pattern also leaving out everything under what it matches, `!`
 * exceptions re-including, the last matching pattern winning. The root itself (`.`) is never left out.
 * @param {string[]} patterns
 * @param {string} relative
 */
export function ignoredBy(patterns, relative) {
  const file = path.posix.normalize(relative);
  if (file === '.' || file === '') return false;
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    if (patternRegExp(cleanPattern(negate ? raw.slice(1) : raw)).test(file)) ignored = !negate;
  }
  return ignored;
}

/**
 * Whether a left-out folder may still hold something an exception brings back (`!node_modules/keep`
 * under `node_modules`): then the copy walks into it and decides file by file.
 * @param {string[]} patterns
 * @param {string} folder context-relative
 */
function exceptionsUnder(patterns, folder) {
  return patterns.some((raw) => raw.startsWith('!') && (cleanPattern(raw.slice(1)).startsWith(`${folder}/`) || cleanPattern(raw.slice(1)).startsWith('**')));
}

/** .dockerignore's patterns (empty when there is none). @param {string} context */
export function dockerignore(context) {
  const file = path.join(context, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * What a RUN sees besides the stage's ENV: this machine's PATH, HOME (npm's cache and registry settings),
 * temp folder, proxies and extra CA certificates, as a base image's shell would have them; not the
 * caller's NODE_ENV or the `npm_*` variables of an `npm run` around it (its `npm_config_local_prefix`
 * would make `npm ci` install into the repository). One npm setting of our own: prefer its cache.
 */
function baseEnv() {
  const passed = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_EXTRA_CA_CERTS', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'npm_config_registry', 'npm_config_cache'];
  /** @type {Record<string, string>} */
  const env = {};
  for (const key of passed) if (process.env[key] !== undefined) env[key] = /** @type {string} */ (process.env[key]);
  // npm takes what its cache holds without asking the registry again (the same versions: the lockfile
  // pins them); a package it does not hold still comes from the registry.
  env.npm_config_prefer_offline = 'true';
  return env;
}

/**
 * Refuses to build an image based on `node:NN…` with another major version of Node: the RUN steps run on
 * this Node, so the build would say nothing about the image's (a package that needs Node 22 would pass).
 * @param {string} image
 * @param {string} where
 */
function checkNodeMajor(image, where) {
  const major = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)/.exec(image)?.[1];
  const ours = process.versions.node.split('.')[0];
  if (major !== undefined && major !== ours) throw new Error(`${where}: the image is built on Node ${major}, this is Node ${ours}; run the dry build with Node ${major}`);
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
  /** @type {Map<string, BuiltImage>} stage name (lower case) or index → what it built */
  const built = new Map();
  /** @type {BuiltImage | null} */
  let last = null;
  for (const stage of stages) {
    const root = path.join(o.outDir, `stage-${stage.index}${stage.name ? `-${stage.name}` : ''}`);
    mkdirSync(root, { recursive: true });
    // FROM an earlier stage starts from its files, WORKDIR, ENV and CMD.
    const parent = built.get(stage.image.toLowerCase());
    if (parent) cpSync(parent.dir, root, { recursive: true, verbatimSymlinks: true });
    else checkNodeMajor(stage.image, `${path.basename(o.dockerfile)} stage ${stage.name ?? stage.index}`);
    let workdir = parent ? path.posix.join('/', path.relative(parent.dir, parent.workdir).split(path.sep).join('/')) : '/';
    /** @type {Record<string, string>} */
    const env = { ...parent?.env };
    /** @type {Record<string, string>} */
    const args = {};
    let cmd = parent?.cmd ?? /** @type {string[]} */ ([]);
    const inside = (/** @type {string} */ p) => path.join(root, path.posix.resolve(workdir, p));
    log(`stage ${stage.name ?? stage.index} (${stage.image})`);
    for (const step of stage.steps) {
      const where = `${path.basename(o.dockerfile)}:${step.line} ${step.instruction}`;
      const expanded = () => expand(step.args, { ...args, ...env });
      if (step.instruction === 'WORKDIR') {
        workdir = path.posix.resolve(workdir, expanded());
        mkdirSync(inside('.'), { recursive: true });
      } else if (step.instruction === 'ENV') {
        Object.assign(env, envPairs(expanded()));
      } else if (step.instruction === 'ARG') {
        Object.assign(args, envPairs(step.args.includes('=') ? step.args : `${step.args}=`));
      } else if (step.instruction === 'CMD') {
        cmd = commandOf(step.args);
      } else if (step.instruction === 'COPY' || step.instruction === 'ADD') {
        copyStep(expanded(), { where, built, context: o.context, patterns, inside });
        log(`  COPY ${step.args}`);
      } else if (step.instruction === 'RUN') {
        log(`  RUN ${step.args}`);
        const started = Date.now();
        try {
          await run('/bin/sh', ['-c', step.args], { cwd: inside('.'), env: { ...baseEnv(), ...args, ...env }, quiet: o.quiet ?? true });
        } catch (err) {
          const output = String(/** @type {any} */ (err).output ?? '').trim().split('\n').slice(-15).join('\n');
          throw new Error(`${where} failed: ${step.args}\n${output}`, { cause: err });
        }
        log(`    done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      // USER, EXPOSE, LABEL, HEALTHCHECK…: nothing to build here.
    }
    last = { dir: root, workdir: inside('.'), cmd, env };
    built.set(String(stage.index), last);
    if (stage.name) built.set(stage.name, last);
  }
  return /** @type {BuiltImage} */ (last);
}

/**
 * The files a COPY source names: itself (none when it does not exist), or with `*`, `?` or `[…]` in its
 * last part, the entries of its folder that match (sorted). Relative to `base`.
 * @param {string} base
 * @param {string} source context- or stage-relative
 */
function sourcesMatching(base, source) {
  if (!/[*?[]/.test(path.posix.basename(source))) return existsSync(path.join(base, source)) ? [source] : [];
  const folder = path.posix.dirname(source);
  const regexp = new RegExp(`^${patternSource(path.posix.basename(source))}$`);
  if (!existsSync(path.join(base, folder))) return [];
  return readdirSync(path.join(base, folder)).filter((name) => regexp.test(name)).sort().map((name) => path.posix.join(folder, name));
}

/**
 * COPY [--from=stage] src… dest: a folder's contents into dest, a file into dest (into it when dest ends
 * with `/`, is a folder already, or several sources are named). From the context, what .dockerignore
 * leaves out is not copied. Symbolic links are copied as they are.
 * @param {string} argsText the step's arguments, variables expanded
 * @param {{ where: string, built: Map<string, BuiltImage>, context: string, patterns: string[], inside: (p: string) => string }} o
 */
function copyStep(argsText, o) {
  const words = argsText.split(/\s+/);
  const fromFlag = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const [dest, ...sourcesReversed] = words.filter((w) => !w.startsWith('--')).reverse();
  const named = sourcesReversed.reverse();
  const fromRoot = fromFlag === undefined ? null : (o.built.get(fromFlag.toLowerCase())?.dir ?? null);
  if (fromFlag !== undefined && !fromRoot) throw new Error(`${o.where}: no earlier stage ${fromFlag}`);
  if (!dest || named.length === 0) throw new Error(`${o.where}: expected sources and a destination`);
  const base = fromRoot ?? o.context;
  const target = o.inside(dest);
  for (const source of named) {
    const relative = path.posix.normalize(source.replace(/^\/+/, ''));
    if (!fromRoot && relative.startsWith('..')) throw new Error(`${o.where}: ${source} is outside the build context`);
    const matches = sourcesMatching(base, relative).filter((m) => fromRoot || !ignoredBy(o.patterns, m) || exceptionsUnder(o.patterns, m));
    if (matches.length === 0) {
      const why = fromRoot ? ` in stage ${fromFlag}` : existsSync(path.join(base, relative)) ? ' (left out by .dockerignore)' : ' in the build context';
      throw new Error(`${o.where}: ${source} does not exist${why}`);
    }
    const intoFolder = dest.endsWith('/') || named.length > 1 || matches.length > 1 || (existsSync(target) && statSync(target).isDirectory());
    for (const match of matches) {
      const from = path.join(base, match);
      const isFolder = statSync(from).isDirectory();
      const to = isFolder || !intoFolder ? target : path.join(target, path.posix.basename(match));
      mkdirSync(isFolder ? to : path.dirname(to), { recursive: true });
      cpSync(from, to, {
        recursive: true,
        verbatimSymlinks: true,
        // From the context, only what .dockerignore leaves in (paths relative to the context's root);
        // a left-out folder is still walked when an exception may bring back something under it.
        filter: fromRoot
          ? undefined
          : (p) => {
              const rel = path.relative(o.context, p).split(path.sep).join('/');
              if (!ignoredBy(o.patterns, rel)) return true;
              return lstatSync(p).isDirectory() && exceptionsUnder(o.patterns, rel);
            },
      });
    }
  }
}
