// Node 24 (the current LTS) for running the unit and integration tiers a second time, next to the
// machine's Node 20. It comes from the npm registry's `node` package (a registry package that ships
// the official binary), installed once into the ignored .tools/ folder; the machine's Node is untouched.
// Node's standard library only.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TOOLS_DIR } from './paths.mjs';
import { run } from './proc.mjs';

/** The Node 24 release the suite is checked on (the `node` package's versions are Node's versions). */
export const NODE24_VERSION = '24.21.0';
const INSTALL_DIR = path.join(TOOLS_DIR, 'node24');
/** The binary the `node` package installs (npm 11 skips its install script; the binary works anyway). */
const BIN = path.join(INSTALL_DIR, 'node_modules/node/bin/node');

async function versionOf(bin) {
  try {
    return (await run(bin, ['--version'], { quiet: true })).trim().replace(/^v/, '');
  } catch {
    return null;
  }
}

/**
 * Installs Node {@link NODE24_VERSION} into .tools/node24 unless it is there already (a second run does
 * nothing). NODE24_BIN points at another Node 24 binary instead.
 * @returns {Promise<string | null>} the binary's path, or null when it cannot be had (the reason is logged)
 */
export async function ensureNode24({ log = console.log } = {}) {
  if (process.env.NODE24_BIN) {
    const v = await versionOf(process.env.NODE24_BIN);
    if (v?.startsWith('24.')) return process.env.NODE24_BIN;
    log(`NODE24_BIN=${process.env.NODE24_BIN} is not a Node 24 binary (${v ?? 'does not run'})`);
    return null;
  }
  if (existsSync(BIN) && (await versionOf(BIN)) === NODE24_VERSION) return BIN;
  log(`installing Node ${NODE24_VERSION} (npm package node) into .tools/node24 (once)…`);
  mkdirSync(INSTALL_DIR, { recursive: true });
  try {
    await run('npm', ['install', '--prefix', INSTALL_DIR, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `node@${NODE24_VERSION}`], { quiet: true });
  } catch (err) {
    log(`npm could not install node@${NODE24_VERSION}: ${/** @type {Error} */ (err).message}`);
    return null;
  }
  const v = await versionOf(BIN);
  if (v === NODE24_VERSION) return BIN;
  log(`the installed node package reports ${v ?? 'nothing'}, not ${NODE24_VERSION}`);
  return null;
}
