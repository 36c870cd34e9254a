// Process and port helpers for the start and test scripts. Node's standard library only.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * A TCP port free on 127.0.0.1, drawn at random from BELOW the kernel's ephemeral range. A port the
 * kernel hands out (listen on port 0, every outgoing connection) comes from that range, so a port found
 * there and closed again could be taken by any other process's connection before our child binds it,
 * or between a test's kill and restart of a service on the same port (a CI run's service exited 98).
 * Below the range only another explicit bind can take it. Falls back to asking the OS for port 0 when
 * the range cannot be read (not Linux) or leaves too little room below it.
 */
export async function freePort() {
  const low = ephemeralLow();
  if (low !== null && low - 1024 >= 4096) {
    const from = Math.max(1024, low - 16_384);
    for (let i = 0; i < 50; i++) {
      const port = from + Math.floor(Math.random() * (low - from));
      if (await isPortFree(port)) return port;
    }
  }
  return osPort();
}

/**
 * Runs `start` again (at most `attempts` times in all) when it failed on a busy port: freePort() closes
 * its probe before our process binds the port, so another test's process can bind it meanwhile (a CI
 * run's event service exited 98, its exit code for a port in use). `start` draws its ports itself, so
 * each attempt gets fresh ones.
 * @template T
 * @param {() => Promise<T>} start
 * @returns {Promise<T>}
 */
export async function retryOnBusyPort(start, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !/exited with code 98\b|EADDRINUSE|address already in use/i.test(String(/** @type {Error} */ (err).message))) throw err;
    }
  }
}

/** The ephemeral range's first port (Linux), or null. */
function ephemeralLow() {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : null;
  } catch {
    return null;
  }
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
function osPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on `port` (checked by binding it). */
export function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/**
 * Polls `url` until it answers 2xx, the child exits, or `timeoutMs` passes.
 * @param {string} url
 * @param {{ timeoutMs?: number, child?: import('node:child_process').ChildProcess, name?: string }} [opts]
 */
export async function waitForHttp(url, opts = {}) {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last = '';
  while (Date.now() < deadline) {
    if (opts.child && opts.child.exitCode !== null) {
      throw new Error(`${opts.name ?? 'process'} exited with code ${opts.child.exitCode} before ${url} answered`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = /** @type {Error} */ (err).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${opts.name ?? url} did not become healthy in time (${last})`);
}

/**
 * Spawns a long-running child whose output is prefixed with its name.
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, quiet?: boolean, onLine?: (line: string) => void }} [opts]
 */
export function spawnService(name, command, args, opts = {}) {
  const child = spawn(command, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = [];
  const relay = (stream, out) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        tail.push(line);
        if (tail.length > 50) tail.shift();
        opts.onLine?.(line);
        if (!opts.quiet) out.write(`[${name}] ${line}\n`);
      }
    });
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  return { name, child, tail };
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(child, graceMs = 5000) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs a command to completion, inheriting output; rejects on a non-zero exit. */
export function run(command, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: opts.env ?? process.env, cwd: opts.cwd });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(Object.assign(new Error(`${command} ${args.join(' ')} exited with ${code}`), { output: out }))));
  });
}

/** True when `command` is on the PATH. */
export async function hasCommand(command) {
  try {
    await run('sh', ['-c', `command -v ${command}`], { quiet: true });
    return true;
  } catch {
    return false;
  }
}
