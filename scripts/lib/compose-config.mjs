// Builds scripts/compose-config (compose-go, the library `docker compose config` loads projects with)
// into .tools/, like Centrifugo: with the Go toolchain, once. Node's standard library only.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, TOOLS_DIR } from './paths.mjs';
import { hasCommand, run } from './proc.mjs';

const SOURCE_DIR = path.join(ROOT, 'scripts/compose-config');
const SOURCES = ['main.go', 'go.mod', 'go.sum'];

/** The compose-go version pinned in scripts/compose-config/go.mod (the one place it is written). */
export const COMPOSE_GO_VERSION = /github\.com\/compose-spec\/compose-go\/v2 v(\S+)/.exec(readFileSync(path.join(SOURCE_DIR, 'go.mod'), 'utf8'))?.[1] ?? 'unknown';
const INSTALL_DIR = path.join(TOOLS_DIR, `compose-config-${COMPOSE_GO_VERSION}`);
const BINARY = path.join(INSTALL_DIR, 'compose-config');
// A hash of the sources beside the binary: an edited main.go or a new pin rebuilds, nothing else does.
const STAMP = path.join(INSTALL_DIR, 'sources.sha256');

function sourcesHash() {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(file).update('\0').update(readFileSync(path.join(SOURCE_DIR, file))).update('\0');
  return hash.digest('hex');
}

/**
 * The compose-config binary, built with `go build` when missing or older than its sources (about 20–30 s
 * the first time on two cores, plus the module download; nothing on a second run).
 * @returns {Promise<string>} the binary's path
 */
export async function provisionComposeConfig({ log = console.log } = {}) {
  const wanted = sourcesHash();
  if (existsSync(BINARY) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === wanted) return BINARY;
  if (!(await hasCommand('go'))) {
    throw new Error(`compose-config (compose-go ${COMPOSE_GO_VERSION}) is not built and Go is not installed: install Go ≥ 1.24, or the docker compose plugin for \`docker compose config\``);
  }
  log(`building compose-config (compose-go ${COMPOSE_GO_VERSION}) with go build into ${path.relative(ROOT, INSTALL_DIR)}/ (about half a minute, once)…`);
  mkdirSync(INSTALL_DIR, { recursive: true });
  // Built beside the final name and renamed, so that a build cut short never leaves a binary that runs.
  const partial = `${BINARY}.${process.pid}.partial`;
  try {
    await run('go', ['build', '-trimpath', '-o', partial, '.'], {
      quiet: true,
      cwd: SOURCE_DIR,
      env: { ...process.env, GOFLAGS: process.env.GOFLAGS ?? '-buildvcs=false' },
    });
  } catch (err) {
    rmSync(partial, { force: true });
    const output = /** @type {any} */ (err).output ?? '';
    throw new Error(`go build of scripts/compose-config failed: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  }
  renameSync(partial, BINARY);
  writeFileSync(STAMP, `${wanted}\n`);
  return BINARY;
}
