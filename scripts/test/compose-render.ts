// Renders a compose project exactly as `docker compose config --format json` does: with the docker compose
// plugin when it is on this machine, otherwise with scripts/compose-config, a small Go program on
// compose-go (the library the plugin itself loads, interpolates, validates and normalises projects with,
// at the version Docker Compose pins). No rule of Compose is written again here.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { provisionComposeConfig } from '../lib/compose-config.mjs';

const exec = promisify(execFile);

/** A published port in Compose's normalised (long) form. */
export interface ComposePort {
  mode?: string;
  host_ip?: string;
  target: number;
  published?: string;
  protocol?: string;
}

export interface ComposeService {
  image?: string;
  /** `null`: a variable named without a value that the environment did not provide either. */
  environment: Record<string, string | null>;
  ports: ComposePort[];
  [key: string]: unknown;
}

export interface ComposeProject {
  name: string;
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

/** What compose refused (an invalid file, a required `${VAR:?message}` unset or empty): its own message. */
export class ComposeConfigError extends Error {
  override name = 'ComposeConfigError';
}

/** Which loader runs: `docker compose` where the plugin answers, else compose-config (built on first use). */
const loader = await (async (): Promise<{ name: string; command: string; args: (files: string[], extra: string[]) => string[] }> => {
  const plugin = await exec('docker', ['compose', 'version'], { timeout: 20_000 }).then(() => true, () => false);
  const fileArgs = (files: string[]) => files.flatMap((f) => ['-f', f]);
  // `--env-file /dev/null`: the project directory's .env (a developer's deploy/.env) must not reach the rendering.
  if (plugin) return { name: 'docker compose', command: 'docker', args: (files, extra) => ['compose', ...fileArgs(files), '--env-file', '/dev/null', 'config', ...extra] };
  const bin = await provisionComposeConfig({ log: (line: string) => console.warn(line) });
  return { name: 'compose-config (compose-go)', command: bin, args: (files, extra) => [...fileArgs(files), '--env-file', '/dev/null', ...extra] };
})();

/** The loader the renderings use, for the test titles and messages. */
export const LOADER_NAME = loader.name;

/** `env` without its unset entries, so `{ A: undefined }` means "A is not set", as in a shell. */
function defined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * The project of `files` (merged in order) with `env` as its whole environment: nothing of the machine
 * running the tests leaks in (not even PATH, which compose never needs). Rejects with ComposeConfigError
 * carrying compose's message when compose refuses.
 */
export async function composeConfig(files: string[], env: Record<string, string | undefined>): Promise<ComposeProject> {
  let stdout: string;
  try {
    ({ stdout } = await exec(loader.command, loader.args(files, ['--format', 'json']), { env: defined(env), maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }));
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message: string };
    throw new ComposeConfigError((stderr?.trim() || message).split('\n').filter((l) => !/level=warning/.test(l)).join('\n'));
  }
  // Compose doubles every `$` of its output so that the output is a compose file again; the containers get one.
  return JSON.parse(stdout, (_key, value: unknown) => (typeof value === 'string' ? value.replaceAll('$$', '$') : value)) as ComposeProject;
}

/** The services of `files` as compose renders them; environments always present, ports always a list. */
export async function renderCompose(files: string[], env: Record<string, string | undefined>): Promise<Record<string, ComposeService>> {
  const project = await composeConfig(files, env);
  return Object.fromEntries(Object.entries(project.services).map(([name, s]) => [name, { ...s, environment: s.environment ?? {}, ports: s.ports ?? [] }]));
}

/** A port in the short form it is written in (`127.0.0.1:9090:9090`), from compose's long form. */
export function shortPort(p: ComposePort): string {
  const proto = p.protocol && p.protocol !== 'tcp' ? `/${p.protocol}` : '';
  return `${p.host_ip ? `${p.host_ip}:` : ''}${p.published ? `${p.published}:` : ''}${p.target}${proto}`;
}
