// Provisions, configures and starts the real Centrifugo (pinned version). Node's standard library only.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, TOOLS_DIR } from './paths.mjs';
import { hasCommand, run, spawnService, waitForHttp } from './proc.mjs';

export const CENTRIFUGO_VERSION = '6.9.1';
const MODULE = 'github.com/centrifugal/centrifugo/v6';
const INSTALL_DIR = path.join(TOOLS_DIR, `centrifugo-${CENTRIFUGO_VERSION}`);

const HOW_TO_GET = `Download the Centrifugo ${CENTRIFUGO_VERSION} release binary for your platform from ` +
  `https://github.com/centrifugal/centrifugo/releases/tag/v${CENTRIFUGO_VERSION} and set CENTRIFUGO_BIN=/path/to/centrifugo ` +
  `(or put it on the PATH), or install Go ≥ 1.26 so that it can be built here.`;

async function versionOf(bin) {
  try {
    const out = await run(bin, ['version'], { quiet: true });
    return /v?(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Finds or builds Centrifugo, in this order: CENTRIFUGO_BIN; a `centrifugo` on the PATH that reports the
 * pinned version; a previous build in .tools/; `go install` into .tools/. A second run does nothing.
 * @returns {Promise<string>} the binary's path
 */
export async function provisionCentrifugo({ log = console.log } = {}) {
  if (process.env.CENTRIFUGO_BIN) {
    const v = await versionOf(process.env.CENTRIFUGO_BIN);
    if (!v) throw new Error(`CENTRIFUGO_BIN=${process.env.CENTRIFUGO_BIN} does not run. ${HOW_TO_GET}`);
    if (v !== CENTRIFUGO_VERSION) log(`warning: CENTRIFUGO_BIN reports ${v}, the project is tested with ${CENTRIFUGO_VERSION}`);
    return process.env.CENTRIFUGO_BIN;
  }
  if ((await hasCommand('centrifugo')) && (await versionOf('centrifugo')) === CENTRIFUGO_VERSION) return 'centrifugo';
  const local = path.join(INSTALL_DIR, 'centrifugo');
  if (existsSync(local) && (await versionOf(local)) === CENTRIFUGO_VERSION) return local;

  if (!(await hasCommand('go'))) throw new Error(`Centrifugo ${CENTRIFUGO_VERSION} not found and Go is not installed. ${HOW_TO_GET}`);
  const goVersion = /go(\d+)\.(\d+)/.exec(await run('go', ['version'], { quiet: true }));
  if (!goVersion || Number(goVersion[1]) < 1 || (Number(goVersion[1]) === 1 && Number(goVersion[2]) < 26)) {
    throw new Error(`Centrifugo ${CENTRIFUGO_VERSION} needs Go ≥ 1.26 to build (found ${goVersion?.[0] ?? 'unknown'}). ${HOW_TO_GET}`);
  }
  log(`building Centrifugo ${CENTRIFUGO_VERSION} with go install into ${path.relative(ROOT, INSTALL_DIR)}/ (a few minutes, once)…`);
  mkdirSync(INSTALL_DIR, { recursive: true });
  try {
    await run('go', ['install', '-ldflags', `-X ${MODULE}/internal/build.Version=${CENTRIFUGO_VERSION}`, `${MODULE}@v${CENTRIFUGO_VERSION}`], {
      quiet: true,
      env: { ...process.env, GOBIN: INSTALL_DIR, GOFLAGS: process.env.GOFLAGS ?? '-buildvcs=false' },
    });
  } catch (err) {
    const output = /** @type {any} */ (err).output ?? '';
    throw new Error(`go install of Centrifugo ${CENTRIFUGO_VERSION} failed: ${output.trim().split('\n').slice(-3).join(' | ')}. ${HOW_TO_GET}`);
  }
  const v = await versionOf(local);
  if (v !== CENTRIFUGO_VERSION) throw new Error(`the built Centrifugo reports ${v}, expected ${CENTRIFUGO_VERSION}`);
  return local;
}

/**
 * Renders deploy/centrifugo/config.template.json: every string value "${NAME}" is replaced by values[NAME]
 * (of any JSON type), so the template stays valid JSON.
 * @param {Record<string, unknown>} values
 */
export function renderCentrifugoConfig(values) {
  const template = JSON.parse(readFileSync(path.join(ROOT, 'deploy/centrifugo/config.template.json'), 'utf8'));
  const walk = (node) => {
    if (typeof node === 'string') {
      const m = /^\$\{([A-Z_]+)\}$/.exec(node);
      if (!m) return node;
      if (!(m[1] in values)) throw new Error(`centrifugo config: no value for ${m[1]}`);
      return values[m[1]];
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(template);
}

/** Most connections one user may hold on one Centrifugo node: many tabs and devices, not a flood. */
export const DEFAULT_USER_CONNECTION_LIMIT = 50;

/**
 * The values for one node. `engine` is `memory` or `redis` (then `redisUrl`).
 * `userConnectionLimit`: most connections one user may hold on a node (tabs, devices); 0 = no limit. Default 50.
 * @param {{ port: number, apiKey: string, tokenSecret: string, allowedOrigins: string[], engine?: string, redisUrl?: string, nodeName?: string, logLevel?: string, presenceUpdateInterval?: string, redisPrefix?: string, userConnectionLimit?: number }} o
 */
export function centrifugoValues(o) {
  return {
    LOG_LEVEL: o.logLevel ?? 'warn',
    PORT: o.port,
    INTERNAL_PORT: '',
    CENTRIFUGO_TOKEN_SECRET: o.tokenSecret,
    CENTRIFUGO_API_KEY: o.apiKey,
    ALLOWED_ORIGINS: o.allowedOrigins,
    PRESENCE_UPDATE_INTERVAL: o.presenceUpdateInterval ?? '25s',
    USER_CONNECTION_LIMIT: o.userConnectionLimit ?? DEFAULT_USER_CONNECTION_LIMIT,
    NODE_NAME: o.nodeName ?? `centrifugo-${o.port}`,
    ENGINE: o.engine === 'redis'
      ? { type: 'redis', redis: { address: o.redisUrl ?? 'redis://127.0.0.1:6379', prefix: o.redisPrefix ?? 'neo-centrifugo' } }
      : { type: 'memory' },
  };
}

/**
 * Writes the config into `dir` and starts Centrifugo; resolves once /health answers.
 * @param {{ bin: string, dir: string, values: Record<string, unknown>, quiet?: boolean, name?: string }} o
 */
export async function startCentrifugo(o) {
  mkdirSync(o.dir, { recursive: true });
  const configPath = path.join(o.dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(renderCentrifugoConfig(o.values), null, 2), { mode: 0o600 });
  const svc = spawnService(o.name ?? 'centrifugo', o.bin, ['-c', configPath], { quiet: o.quiet });
  await waitForHttp(`http://127.0.0.1:${o.values.PORT}/health`, { child: svc.child, name: 'centrifugo', timeoutMs: 20_000 });
  return { ...svc, configPath, url: `http://127.0.0.1:${o.values.PORT}` };
}
