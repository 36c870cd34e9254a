// promtool (Debian's `prometheus` package) for the deploy checks; installed with apt-get when missing
// and we are root, like Chromium. Node's standard library only.
import { hasCommand, run } from './proc.mjs';

/** @returns {Promise<boolean>} whether `promtool` is on the PATH now (a reason is logged when not) */
export async function ensurePromtool({ log = console.log } = {}) {
  if (await hasCommand('promtool')) return true;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !(await hasCommand('apt-get'))) {
    log('promtool not found and cannot be installed here (needs root and apt-get); install Debian\'s `prometheus` package to check deploy/prometheus.');
    return false;
  }
  log('installing promtool (Debian package prometheus) with apt-get (once)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], { quiet: true, env });
  } catch {
    // The package lists may be missing or stale in a fresh container.
    try {
      await run('apt-get', ['update', '-qq'], { quiet: true, env });
      await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], { quiet: true, env });
    } catch (err) {
      log(`apt-get could not install prometheus: ${/** @type {Error} */ (err).message}`);
    }
  }
  return hasCommand('promtool');
}
