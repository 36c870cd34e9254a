// Debian's Chromium for the end-to-end tests; installed with apt-get when missing and we are root.
import { existsSync } from 'node:fs';
import { run, hasCommand } from './proc.mjs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** @returns {Promise<string|null>} the path, or null with a reason logged when it cannot be had */
export async function ensureChromium({ log = console.log } = {}) {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !(await hasCommand('apt-get'))) {
    log(`Chromium not found at ${CHROMIUM_PATH} and cannot be installed here (needs root and apt-get); install it or set CHROMIUM_PATH.`);
    return null;
  }
  log('installing Chromium with apt-get (once)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { quiet: true, env });
  await run('apt-get', ['install', '-y', '-qq', 'chromium'], { quiet: true, env });
  return existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : null;
}
