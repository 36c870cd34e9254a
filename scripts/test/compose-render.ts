// Renders a compose project's services the way `docker compose config` does for what these tests need:
// the files merged in order (a later file's keys win, `environment` merged per variable) and every
// `${…}` substituted from a given environment. Our own small code because the docker compose plugin
// is not on every machine that runs the suite (this one has only the docker CLI), and the npm
// packages that wrap compose need the plugin too. The rules are the Compose Specification's
// "Interpolation" section; `docker compose config` still runs where the plugin exists.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ComposeService {
  image?: string;
  environment: Record<string, string>;
  ports: string[];
  [key: string]: unknown;
}

/** A required variable (`${VAR:?message}`) that was unset or empty, as compose refuses it. */
export class MissingVariableError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`required variable ${variable} is missing a value: ${message}`);
  }
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const PATTERN = new RegExp(`\\$\\$|\\$\\{(${NAME})(?:(:?[-?+])([^}]*))?\\}|\\$(${NAME})`, 'g');

/** Substitutes `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, `$$`. */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(PATTERN, (match, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const v = env[name];
    const unset = v === undefined;
    const emptyOrUnset = unset || v === '';
    switch (op) {
      case ':-': return emptyOrUnset ? arg! : v!;
      case '-': return unset ? arg! : v!;
      case ':?': if (emptyOrUnset) throw new MissingVariableError(name, arg!); return v!;
      case '?': if (unset) throw new MissingVariableError(name, arg!); return v!;
      case ':+': return emptyOrUnset ? '' : arg!;
      case '+': return unset ? '' : arg!;
      default: return v ?? '';
    }
  });
}

function interpolateDeep(node: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateDeep(n, env));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateDeep(v, env)]));
  return node;
}

/** `environment` as a map whether written as a map or as a `KEY=value` list; values as strings. */
function environmentOf(raw: unknown): Record<string, string> {
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((line: string) => [line.split('=')[0]!, line.slice(line.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries((raw ?? {}) as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** The services of `files` (paths, merged in order), interpolated with `env`; throws MissingVariableError like compose. */
export function renderCompose(files: string[], env: Record<string, string | undefined>): Record<string, ComposeService> {
  const services: Record<string, ComposeService> = {};
  for (const file of files) {
    const doc = parse(readFileSync(file, 'utf8'), { merge: true }) as { services?: Record<string, Record<string, unknown>> };
    for (const [name, raw] of Object.entries(doc.services ?? {})) {
      const rendered = interpolateDeep(raw, env) as Record<string, unknown>;
      const prev = services[name];
      const environment = { ...(prev?.environment ?? {}), ...environmentOf(rendered.environment) };
      const ports = rendered.ports ? (rendered.ports as unknown[]).map(String) : (prev?.ports ?? []);
      services[name] = { ...(prev ?? {}), ...rendered, environment, ports };
    }
  }
  return services;
}
