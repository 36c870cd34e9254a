import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../lib/paths.mjs';
import { centrifugoValues, renderCentrifugoConfig, CENTRIFUGO_VERSION } from '../lib/centrifugo.mjs';
import { loadConfig } from '../../apps/event-service/src/config';
import { IMAGES, dockerignore, dryBuild, envPairs, ignoredBy, parseDockerfile } from '../lib/docker-dry-build.mjs';
import { ComposeConfigError, LOADER_NAME, composeConfig, renderCompose, shortPort, type ComposeService } from './compose-render';

const exec = promisify(execFile);
const CI = process.env.CI === 'true';
const DEPLOY = path.join(ROOT, 'deploy');
const read = (p: string) => readFileSync(path.join(DEPLOY, p), 'utf8');

async function runs(command: string, args: string[]): Promise<boolean> {
  try {
    await exec(command, args, { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** `promtool` comes from Debian's `prometheus` package; `npm test` installs it when it can (scripts/lib/promtool.mjs). */
const hasPromtool = await runs('promtool', ['--version']);
if (!hasPromtool) console.warn(`!!! promtool is not installed: the Prometheus checks are ${CI ? 'FAILING (CI=true)' : 'SKIPPED'} !!!`);

/** Every `neo_*` name the event service registers (read from its source, so this test needs no app). */
const serviceMetricNames = new Set([...readFileSync(path.join(ROOT, 'apps/event-service/src/plugins/metrics.ts'), 'utf8').matchAll(/name: '(neo_[a-z_]+)'/g)].map((m) => m[1]!));
/** Centrifugo metrics the dashboard and alerts may use (seen on a v6.9.1 node's /metrics). */
const CENTRIFUGO_METRICS = new Set([
  'centrifugo_node_num_clients',
  'centrifugo_node_num_subscriptions',
  'centrifugo_node_num_channels',
  'centrifugo_node_num_users',
  'centrifugo_node_messages_sent_count',
  'centrifugo_api_command_duration_seconds_histogram',
  'centrifugo_client_num_reply_errors',
  'centrifugo_client_recover',
]);
const PROCESS_METRICS = new Set(['up', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']);

/** Metric names in a PromQL expression (identifiers followed by `{`, `[` or `)`/space, minus functions). */
function metricNames(expr: string): string[] {
  const names = [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=\{|\[|\)|$|\s*[><=!])/g)].map((m) => m[1]!);
  return names.filter((n) => /^(neo_|centrifugo_|process_|nodejs_)/.test(n) || n === 'up');
}

/** A known metric, or a histogram's `_bucket`/`_count`/`_sum` series of one. */
function isKnownMetric(name: string): boolean {
  const known = (n: string) => serviceMetricNames.has(n) || CENTRIFUGO_METRICS.has(n) || PROCESS_METRICS.has(n);
  return known(name) || known(name.replace(/_(bucket|count|sum)$/, ''));
}

function expectKnownMetric(name: string) {
  expect(isKnownMetric(name), `unknown metric ${name}`).toBe(true);
}

describe('deploy/prometheus', () => {
  it.skipIf(!hasPromtool && !CI)('prometheus.yml passes `promtool check config` (which also checks the rule files)', async () => {
    const { stdout } = await exec('promtool', ['check', 'config', path.join(DEPLOY, 'prometheus/prometheus.yml')]);
    expect(stdout).toContain('SUCCESS');
  });

  it.skipIf(!hasPromtool && !CI)('alerts.yml passes `promtool check rules`, and its unit tests (`promtool test rules`) fire what they should', async () => {
    const check = await exec('promtool', ['check', 'rules', path.join(DEPLOY, 'prometheus/alerts.yml')]);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const test = await exec('promtool', ['test', 'rules', path.join(DEPLOY, 'prometheus/alerts.test.yml')]);
    expect(test.stdout).toContain('SUCCESS');
  });

  it('alerts cover relay lag, error rates, Centrifugo down and nobody connected, on metrics that exist', () => {
    const rules = read('prometheus/alerts.yml');
    for (const alert of ['NeoRelayLagHigh', 'NeoIngestErrorRate', 'NeoCentrifugoApiErrors', 'CentrifugoDown', 'CentrifugoNobodyConnected']) expect(rules).toContain(`alert: ${alert}`);
    const exprs = [...rules.matchAll(/expr: (?:\|\n((?: {10}.*\n)+)|(.*))/g)].map((m) => (m[1] ?? m[2])!);
    expect(exprs.length).toBeGreaterThanOrEqual(5);
    for (const expr of exprs) for (const name of metricNames(expr)) expectKnownMetric(name);
  });

  it('scrapes the event service and Centrifugo (on its internal port)', () => {
    const config = read('prometheus/prometheus.yml');
    expect(config).toContain("targets: ['event-service:4000']");
    expect(config).toContain("targets: ['centrifugo:9000']");
  });
});

describe('deploy/grafana', () => {
  const dashboard = JSON.parse(read('grafana/dashboards/neo-realtime.json')) as {
    uid: string;
    title: string;
    panels: Array<{ type: string; title: string; gridPos: object; targets?: Array<{ expr: string }> }>;
  };

  it('the dashboard is importable JSON with a uid, and panels for the service and Centrifugo', () => {
    expect(dashboard.uid).toBe('neo-realtime');
    const exprs = dashboard.panels.flatMap((p) => p.targets?.map((t) => t.expr) ?? []);
    for (const p of dashboard.panels) expect(p.gridPos, p.title).toBeDefined();
    const used = new Set(exprs.flatMap(metricNames));
    for (const name of used) expectKnownMetric(name);
    const shown = (name: string) => [...used].some((u) => u === name || u.replace(/_(bucket|count|sum)$/, '') === name);
    for (const name of ['neo_ingest_events_total', 'neo_ingest_duration_seconds', 'neo_relay_lag_seconds', 'neo_relay_batch_size', 'neo_centrifugo_api_errors_total', 'neo_tokens_refused_total', 'neo_http_requests_total', 'neo_db_pool_connections',
      'neo_published_events_total', 'neo_fast_path_fallback_events_total', 'neo_ingest_careful_retries_total', 'neo_rate_limited_total',
      'centrifugo_node_num_clients', 'centrifugo_node_num_subscriptions', 'centrifugo_node_messages_sent_count', 'centrifugo_api_command_duration_seconds_histogram']) {
      expect(shown(name), `no panel shows ${name}`).toBe(true);
    }
  });

  it('provisioning points at the compose Prometheus and the mounted dashboards folder', () => {
    expect(read('grafana/provisioning/datasources/prometheus.yml')).toContain('url: http://prometheus:9090');
    expect(read('grafana/provisioning/dashboards/neo-realtime.yml')).toContain('path: /var/lib/grafana/dashboards');
    expect(read('compose.yaml')).toContain('./grafana/dashboards:/var/lib/grafana/dashboards:ro');
  });
});

/** What compose.oidc.yaml needs: the platform's OpenID Connect provider and the portal's client at it. */
const provider = {
  AUTH_JWKS_URL: 'https://id.example.com/jwks',
  AUTH_ISSUER: 'https://id.example.com',
  AUTH_AUDIENCE: 'urn:neo:event-service',
  OIDC_CLIENT_ID: 'neo-portal',
  OIDC_CLIENT_SECRET: randomBytes(32).toString('hex'),
  OIDC_SESSION_SECRET: randomBytes(32).toString('hex'),
};

describe('deploy/compose.yaml', () => {
  const compose = read('compose.yaml');
  const secrets = { CENTRIFUGO_API_KEY: 'k'.repeat(32), CENTRIFUGO_TOKEN_SECRET: 't'.repeat(32), AUTH_JWT_SECRET: 'a'.repeat(32), INGEST_API_KEYS: 'i'.repeat(32), POSTGRES_PASSWORD: 'p'.repeat(16), GRAFANA_ADMIN_PASSWORD: 'g'.repeat(16) };

  it(`pins centrifugo/centrifugo:v${CENTRIFUGO_VERSION}, mounts its config, runs the Redis engine, and has a healthcheck per service`, () => {
    expect(compose).toContain(`image: centrifugo/centrifugo:v${CENTRIFUGO_VERSION}`);
    expect(compose).toContain('./centrifugo/config.compose.json:/centrifugo/config.json:ro');
    const services = ['redis', 'postgres', 'centrifugo', 'event-service', 'portal', 'prometheus', 'grafana'];
    const blocks = compose.split(/\n {2}(?=[a-z-]+:\n)/);
    for (const name of services) {
      const block = blocks.find((b) => b.startsWith(`${name}:\n`));
      expect(block, `service ${name}`).toBeDefined();
      expect(block, `healthcheck of ${name}`).toContain('healthcheck:');
    }
    expect(existsSync(path.join(ROOT, 'apps/event-service/Dockerfile'))).toBe(true);
    expect(existsSync(path.join(ROOT, 'apps/portal/Dockerfile'))).toBe(true);
  });

  it(`\`docker compose config\` accepts it alone, with the demo override and with the OIDC override, and refuses each without its secrets (via ${LOADER_NAME})`, async () => {
    const file = path.join(DEPLOY, 'compose.yaml');
    expect((await composeConfig([file], secrets)).name).toBe('neo-realtime');
    expect((await composeConfig([file, path.join(DEPLOY, 'compose.demo.yaml')], secrets)).name).toBe('neo-realtime');
    expect((await composeConfig([file, path.join(DEPLOY, 'compose.oidc.yaml')], { ...secrets, ...provider })).name).toBe('neo-realtime');
    await expect(composeConfig([file], {})).rejects.toThrow(/required variable [A-Z_]+ is missing a value: set [A-Z_]+/);
    await expect(composeConfig([file, path.join(DEPLOY, 'compose.oidc.yaml')], secrets)).rejects.toThrow(/required variable (AUTH_JWKS_URL|AUTH_ISSUER|AUTH_AUDIENCE|OIDC_[A-Z_]+) is missing a value/);
  });

  it('the compose Centrifugo config has exactly the channel and client options that npm start and the tests use', () => {
    const compose = JSON.parse(read('centrifugo/config.compose.json'));
    const local = renderCentrifugoConfig(centrifugoValues({ port: 8000, apiKey: 'x', tokenSecret: 'y', allowedOrigins: [], engine: 'redis' })) as Record<string, Record<string, unknown>>;
    expect(compose.channel).toEqual(local.channel);
    const { token: _token, allowed_origins: _o1, ...client } = local.client!;
    const { allowed_origins: _o2, ...composeClient } = compose.client;
    expect(composeClient).toEqual(client);
    expect(compose.engine.type).toBe('redis');
    // API, /metrics and /health off the public port.
    expect(compose.http_server.internal_port).toBe('9000');
    expect(compose.prometheus.enabled).toBe(true);
    expect(compose.health.enabled).toBe(true);
  });

  const centrifugoBin = process.env.CENTRIFUGO_BIN ?? path.join(ROOT, `.tools/centrifugo-${CENTRIFUGO_VERSION}/centrifugo`);
  it.skipIf(!existsSync(centrifugoBin))('the compose Centrifugo config passes `centrifugo checkconfig`', async () => {
    const { stdout, stderr } = await exec(centrifugoBin, ['checkconfig', '-c', path.join(DEPLOY, 'centrifugo/config.compose.json')], {
      env: { ...process.env, CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY: secrets.CENTRIFUGO_TOKEN_SECRET, CENTRIFUGO_HTTP_API_KEY: secrets.CENTRIFUGO_API_KEY },
    });
    expect(`${stdout}${stderr}`).not.toMatch(/error|unknown/i);
  });
});

describe(`deploy/compose.yaml rendered (every service's environment, as \`docker compose config\` says via ${LOADER_NAME})`, () => {
  const BASE = path.join(DEPLOY, 'compose.yaml');
  const DEMO = path.join(DEPLOY, 'compose.demo.yaml');
  const OIDC = path.join(DEPLOY, 'compose.oidc.yaml');
  /** Variables compose.yaml passes through only when set (an empty one is "not set" to the service's config). */
  const OPTIONAL = new Set(['AUTH_JWT_SECRET', 'AUTH_OPERATOR_ROLE', 'AUTH_CLAIM_TENANT', 'AUTH_CLAIM_ROLES', 'AUTH_CLAIM_PERMISSIONS', 'INGEST_API_KEYS']);
  /** Production-grade random secrets, as `openssl rand -hex 32` gives them (the service checks their strength). */
  const strong = () => randomBytes(32).toString('hex');
  const secrets = { CENTRIFUGO_API_KEY: strong(), CENTRIFUGO_TOKEN_SECRET: strong(), AUTH_JWT_SECRET: strong(), INGEST_API_KEYS: `${strong()},${strong()}`, POSTGRES_PASSWORD: strong(), GRAFANA_ADMIN_PASSWORD: strong() };
  /** Only the secrets: nothing from the machine running the tests leaks into the rendering. */
  let prod: Record<string, ComposeService>;
  let demo: Record<string, ComposeService>;
  beforeAll(async () => {
    [prod, demo] = await Promise.all([renderCompose([BASE], secrets), renderCompose([BASE, DEMO], secrets)]);
  });
  /** The environment as the service's own config reads it (compose's `null`, a name without a value, is absent). */
  const envOf = (service: ComposeService) => Object.fromEntries(Object.entries(service.environment).filter((e): e is [string, string] => e[1] !== null));

  it('substitutes like compose: defaults, required values and escapes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-render-'));
    const file = path.join(dir, 'compose.yaml');
    writeFileSync(file, "name: t\nservices:\n  s:\n    image: x\n    environment:\n      V: ${A:-x}/${B-y}/$$C/${D:+z}\n      W: ${W?set W}\n      R: ${R:?set R}\n");
    try {
      const rendered = await renderCompose([file], { B: '', D: '1', W: '', R: 'r' });
      expect(rendered.s!.environment).toEqual({ V: 'x//$C/z', W: '', R: 'r' });
      const refused = renderCompose([file], { W: '', R: '' });
      await expect(refused).rejects.toBeInstanceOf(ComposeConfigError);
      await expect(refused).rejects.toThrow('required variable R is missing a value: set R');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every service renders with no variable left unset, and none empty but the optional ones', async () => {
    expect(Object.keys(prod).sort()).toEqual(['centrifugo', 'event-service', 'grafana', 'portal', 'postgres', 'prometheus', 'redis']);
    const bare = await renderCompose([BASE], Object.fromEntries(Object.entries(secrets).filter(([k]) => !OPTIONAL.has(k))));
    for (const [name, service] of Object.entries(bare)) {
      for (const [key, value] of Object.entries(service.environment)) {
        expect(value, `${name}.${key}`).not.toBeNull();
        if (!(name === 'event-service' && OPTIONAL.has(key))) expect(value, `${name}.${key}`).not.toBe('');
      }
    }
  });

  it('the event service alone needs one way to verify users (stops naming them without), and no bootstrap ingest key', async () => {
    const without = (...names: string[]) => renderCompose([BASE], Object.fromEntries(Object.entries(secrets).filter(([k]) => !names.includes(k))));
    const unverified = envOf((await without('AUTH_JWT_SECRET'))['event-service']!);
    expect(() => loadConfig(unverified)).toThrow(/AUTH_JWT_SECRET or AUTH_JWKS_URL is required/);
    const keyless = loadConfig(envOf((await without('INGEST_API_KEYS'))['event-service']!));
    expect(keyless.env).toBe('production');
    expect(keyless.ingestKeys).toEqual([]);
  });

  it('the OIDC override: the service verifies the provider\'s tokens (the HS256 secret off even if .env has one), the portal signs in through it, nothing else changes', async () => {
    const oidc = await renderCompose([BASE, OIDC], { ...secrets, ...provider });
    const config = loadConfig(envOf(oidc['event-service']!));
    expect(config.env).toBe('production');
    expect(config.demoLogin).toBe(false);
    expect(config.auth).toMatchObject({ jwksUrl: provider.AUTH_JWKS_URL, issuer: provider.AUTH_ISSUER, audience: provider.AUTH_AUDIENCE });
    expect(config.auth.jwtSecret).toBeUndefined();
    expect(oidc.portal!.environment).toMatchObject({
      NUXT_PUBLIC_AUTH_MODE: 'oidc',
      NUXT_OIDC_ISSUER: provider.AUTH_ISSUER,
      NUXT_OIDC_CLIENT_ID: provider.OIDC_CLIENT_ID,
      NUXT_OIDC_CLIENT_SECRET: provider.OIDC_CLIENT_SECRET,
      NUXT_OIDC_SCOPE: 'openid profile',
      NUXT_OIDC_RESOURCE: provider.AUTH_AUDIENCE,
      NUXT_OIDC_REDIRECT_URI: 'http://localhost:3000/auth/oidc/callback',
      NUXT_OIDC_POST_LOGOUT_REDIRECT_URI: 'http://localhost:3000/login',
      NUXT_OIDC_SESSION_SECRET: provider.OIDC_SESSION_SECRET,
    });
    for (const name of Object.keys(prod)) if (name !== 'event-service' && name !== 'portal') expect(oidc[name], name).toEqual(prod[name]);
    const moved = await renderCompose([BASE, OIDC], { ...secrets, ...provider, PORTAL_ORIGIN: 'https://portal.example.com' });
    expect(moved.portal!.environment.NUXT_OIDC_REDIRECT_URI).toBe('https://portal.example.com/auth/oidc/callback');
    // Production rules hold: a provider over http:// is refused.
    const plain = await renderCompose([BASE, OIDC], { ...secrets, ...provider, AUTH_JWKS_URL: 'http://id.example.com/jwks' });
    expect(() => loadConfig(envOf(plain['event-service']!))).toThrow(/AUTH_JWKS_URL/);
  });

  it('the event service gets every variable DESIGN.md names for it, and its own config accepts them as production', async () => {
    const env = envOf(prod['event-service']!);
    for (const name of ['AUTH_JWT_SECRET', 'INGEST_API_KEYS', 'DATABASE_URL', 'CENTRIFUGO_URL', 'CENTRIFUGO_API_KEY', 'CENTRIFUGO_TOKEN_SECRET', 'CENTRIFUGO_ENGINE', 'REDIS_URL']) expect(env[name], name).toBeTruthy();
    const config = loadConfig(env);
    expect(config.env).toBe('production');
    expect(config.demoLogin).toBe(false);
    expect(config.centrifugo).toMatchObject({ url: 'http://centrifugo:9000', apiKey: secrets.CENTRIFUGO_API_KEY, tokenSecret: secrets.CENTRIFUGO_TOKEN_SECRET, engine: 'redis', redisUrl: 'redis://redis:6379' });
    expect(config.databaseUrl).toBe(`postgres://neo:${secrets.POSTGRES_PASSWORD}@postgres:5432/neo_realtime`);
    expect(config.ingestKeys).toHaveLength(2);
    expect(config.corsOrigins).toEqual(['http://localhost:3000']);
    // Production refuses the weak values a careless .env would hold: the stack does not start with them.
    const weak = await renderCompose([BASE], { ...secrets, AUTH_JWT_SECRET: 'changeme-changeme-changeme-changeme' });
    expect(() => loadConfig(envOf(weak['event-service']!))).toThrow(/AUTH_JWT_SECRET is a weak secret/);
  });

  it('the demo override turns the demo login on (so the portal can log in), and only that', () => {
    const config = loadConfig(envOf(demo['event-service']!));
    expect(config.demoLogin).toBe(true);
    const changed = Object.entries(demo['event-service']!.environment).filter(([k, v]) => prod['event-service']!.environment[k] !== v).map(([k]) => k).sort();
    expect(changed).toEqual(['DEMO_LOGIN', 'NODE_ENV']);
    for (const name of Object.keys(prod)) if (name !== 'event-service') expect(demo[name], name).toEqual(prod[name]);
    // The override says what it is where anyone opening it looks first.
    expect(read('compose.demo.yaml').split('\n')[0]).toMatch(/DEMO MODE.*NOT FOR PRODUCTION/);
    expect(read('compose.yaml')).toContain('compose.demo.yaml');
  });

  it('the portal, Centrifugo and the event service agree on the browser-facing origins', async () => {
    const portal = prod.portal!.environment;
    expect(portal.NUXT_PUBLIC_API_BASE).toBe('http://localhost:4000');
    expect(portal.NUXT_PUBLIC_CENTRIFUGO_WS).toBe('ws://localhost:8000/connection/websocket');
    const centrifugo = prod.centrifugo!.environment;
    expect(centrifugo.CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY).toBe(secrets.CENTRIFUGO_TOKEN_SECRET);
    expect(centrifugo.CENTRIFUGO_HTTP_API_KEY).toBe(secrets.CENTRIFUGO_API_KEY);
    const origin = 'https://portal.example.com';
    const moved = await renderCompose([BASE], { ...secrets, PORTAL_ORIGIN: origin, PUBLIC_API_BASE: 'https://events.example.com', PUBLIC_CENTRIFUGO_WS: 'wss://rt.example.com/connection/websocket' });
    expect(moved.centrifugo!.environment.CENTRIFUGO_CLIENT_ALLOWED_ORIGINS).toBe(origin);
    expect(moved['event-service']!.environment.CORS_ORIGINS).toBe(origin);
    expect(moved.portal!.environment).toMatchObject({ NUXT_PUBLIC_API_BASE: 'https://events.example.com', NUXT_PUBLIC_CENTRIFUGO_WS: 'wss://rt.example.com/connection/websocket' });
  });

  it('Grafana needs a password of our choosing (no admin/admin), and Prometheus and Grafana listen on loopback only', async () => {
    const grafana = prod.grafana!.environment;
    expect(grafana.GF_SECURITY_ADMIN_PASSWORD).toBe(secrets.GRAFANA_ADMIN_PASSWORD);
    expect(grafana.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    expect(grafana.GF_USERS_ALLOW_SIGN_UP).toBe('false');
    await expect(renderCompose([BASE], { ...secrets, GRAFANA_ADMIN_PASSWORD: '' })).rejects.toThrow(/required variable GRAFANA_ADMIN_PASSWORD is missing a value: set GRAFANA_ADMIN_PASSWORD/);
    expect(prod.prometheus!.ports.map(shortPort)).toEqual(['127.0.0.1:9090:9090']);
    expect(prod.grafana!.ports.map(shortPort)).toEqual(['127.0.0.1:3001:3000']);
    // What is published on every interface: the three public endpoints, nothing else (no Redis, no Postgres).
    const open = Object.entries(prod).flatMap(([name, s]) => s.ports.filter((p) => p.host_ip !== '127.0.0.1').map((p) => `${name} ${shortPort(p)}`));
    expect(open.sort()).toEqual(['centrifugo 8000:8000', 'event-service 4000:4000', 'portal 3000:3000']);
  });

  it('no secret is committed: each is a required `${VAR:?…}` or an optional `${VAR:-}` with no default, and env.example lists exactly those, empty', async () => {
    const required = new Map<string, Set<string>>();
    const optional = new Set<string>();
    for (const file of [BASE, DEMO, OIDC]) {
      const text = readFileSync(file, 'utf8');
      required.set(file, new Set([...text.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!)));
      // A secret-looking variable never has a default or a literal value: required, or empty when not given.
      for (const m of text.matchAll(/^\s+([A-Z_]*(?:SECRET|PASSWORD|API_KEY|_KEYS|TOKEN)[A-Z_]*): (.*)$/gm)) {
        expect(m[2], m[1]).toMatch(/^(\$\{[A-Z_]+:\?[^}]+\}|\$\{[A-Z_]+:-\}|'')$/);
        const empty = /^\$\{([A-Z_]+):-\}$/.exec(m[2]!);
        if (empty) optional.add(empty[1]!);
      }
      expect(text).not.toMatch(/\$\{[A-Z_]*(SECRET|PASSWORD|KEY)[A-Z_]*:?-[^}]/);
    }
    expect([...required.get(BASE)!].sort()).toEqual(Object.keys(secrets).filter((k) => !OPTIONAL.has(k)).sort());
    expect([...optional].sort()).toEqual(['AUTH_JWT_SECRET', 'INGEST_API_KEYS', 'OIDC_CLIENT_SECRET']);
    // Each one alone stops the rendering, naming it; unset and empty alike (`:?`).
    for (const [file, names] of required) {
      const files = file === BASE ? [BASE] : [BASE, file];
      for (const name of names) {
        await expect(renderCompose(files, { ...secrets, ...provider, [name]: undefined }), name).rejects.toThrow(new RegExp(`required variable ${name} is missing a value`));
        await expect(renderCompose(files, { ...secrets, ...provider, [name]: '' }), name).rejects.toThrow(new RegExp(`required variable ${name} is missing a value`));
      }
    }
    const example = read('env.example');
    const listed = [...example.matchAll(/^([A-Z_]+)=(.*)$/gm)];
    expect(listed.map((m) => m[1]).sort()).toEqual([...new Set([...[...required.values()].flatMap((names) => [...names]), ...optional])].sort());
    for (const m of listed) expect(m[2], `${m[1]} in env.example`).toBe('');
  });
});

// The images themselves are built and run in the e2e tier (scripts/test/e2e/images.test.ts); these are
// the rules that need no build.
describe('the Dockerfiles', () => {
  /** A COPY's sources: its words without flags (`--chown`, `--from`), less the destination. */
  const copySources = (step: { args: string }) => step.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1);
  const workspaces: string[] = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).workspaces;

  it.each(Object.entries(IMAGES))('%s: each stage copies every workspace manifest before `npm ci` (the lockfile names them all)', (_, file) => {
    const stages = parseDockerfile(readFileSync(path.join(ROOT, file), 'utf8'));
    const installing = stages.filter((stage) => stage.steps.some((s) => s.instruction === 'RUN' && /\bnpm ci\b/.test(s.args)));
    expect(installing.length).toBeGreaterThan(0);
    for (const stage of installing) {
      const before = stage.steps.slice(0, stage.steps.findIndex((s) => s.instruction === 'RUN' && /\bnpm ci\b/.test(s.args)));
      const copied = before.filter((s) => s.instruction === 'COPY').flatMap(copySources);
      expect(copied, `stage ${stage.name ?? stage.index}`).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', ...workspaces.map((w) => `${w}/package.json`)]));
    }
  });

  it.each(Object.entries(IMAGES))('%s: everything it copies from the build context is there and not left out by .dockerignore', (_, file) => {
    const patterns = dockerignore(ROOT);
    const copies = parseDockerfile(readFileSync(path.join(ROOT, file), 'utf8')).flatMap((stage) => stage.steps.filter((s) => s.instruction === 'COPY' && !/(^|\s)--from=/.test(s.args)));
    for (const source of copies.flatMap(copySources)) {
      expect(existsSync(path.join(ROOT, source)), source).toBe(true);
      expect(ignoredBy(patterns, source), source).toBe(false);
    }
  });

  it('compose builds exactly these images, from the repository root (the context their COPY lines assume)', () => {
    const builds = [...read('compose.yaml').matchAll(/build:\n\s+context: (\S+)\n\s+dockerfile: (\S+)/g)].map((m) => ({ context: m[1], dockerfile: m[2] }));
    expect(builds.map((b) => b.dockerfile).sort()).toEqual(Object.values(IMAGES).sort());
    for (const b of builds) expect(path.resolve(DEPLOY, b.context!), b.dockerfile).toBe(ROOT);
  });

  it('.dockerignore patterns are read as Docker reads them: anchored at the root, `**` at any depth, `!` re-includes', () => {
    const patterns = ['**/node_modules', '.git', 'bench/results', '**/*.log', '.env.*', '!.env.example'];
    expect(ignoredBy(patterns, 'node_modules')).toBe(true);
    expect(ignoredBy(patterns, 'apps/portal/node_modules/vue/index.js')).toBe(true);
    expect(ignoredBy(patterns, '.git/HEAD')).toBe(true);
    expect(ignoredBy(patterns, 'apps/x/.git')).toBe(false);
    expect(ignoredBy(patterns, 'bench/results/latest.json')).toBe(true);
    expect(ignoredBy(patterns, 'bench/src/main.ts')).toBe(false);
    expect(ignoredBy(patterns, 'a/b/out.log')).toBe(true);
    expect(ignoredBy(patterns, '.env.local')).toBe(true);
    expect(ignoredBy(patterns, '.env.example')).toBe(false);
    expect(ignoredBy(patterns, 'package.json')).toBe(false);
    expect(ignoredBy(['*', '!src'], '.')).toBe(false);
    expect(ignoredBy(['node_modules/'], 'node_modules/a.js')).toBe(true);
    expect(ignoredBy(['*.py[co]'], 'a.pyc')).toBe(true);
    expect(ignoredBy(['*.py[co]'], 'a.pyx')).toBe(false);
  });

  it('a Dockerfile is read with its continuation lines joined, and a step before FROM is refused', () => {
    const [build, runtime] = parseDockerfile('# syntax=docker/dockerfile:1\nFROM node:20 AS build\nRUN a \\\n && b\nFROM node:20\nCMD ["node", "x.mjs"]\n');
    expect(build).toMatchObject({ name: 'build', image: 'node:20', steps: [{ instruction: 'RUN', args: 'a  && b', line: 3 }] });
    expect(runtime).toMatchObject({ name: null, steps: [{ instruction: 'CMD', args: '["node", "x.mjs"]' }] });
    expect(() => parseDockerfile('RUN x\n')).toThrow(/before the first FROM/);
    // Docker drops comment and blank lines inside a continued instruction; FROM's flags and global ARGs.
    const [stage] = parseDockerfile('ARG V=20\nFROM --platform=linux/amd64 node:${V} AS Build\nRUN a \\\n# note\n\n && b\n');
    expect(stage).toMatchObject({ name: 'build', image: 'node:20', steps: [{ instruction: 'RUN', args: 'a  && b' }] });
  });

  it('a dry build follows Docker: source globs, .dockerignore and its exceptions, kept links, FROM an earlier stage, COPY into a folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'neo-dry-build-'));
    try {
      const ctx = path.join(dir, 'ctx');
      const put = (file: string, text: string) => {
        mkdirSync(path.dirname(path.join(ctx, file)), { recursive: true });
        writeFileSync(path.join(ctx, file), text);
      };
      put('package.json', 'a');
      put('package-lock.json', 'b');
      put('src/sub/x.ts', 'c');
      put('node_modules/keep/k.js', 'k');
      put('node_modules/drop/d.js', 'd');
      symlinkSync('../package.json', path.join(ctx, 'src/link.json'));
      put('.dockerignore', 'node_modules\n!node_modules/keep\n');
      const major = process.versions.node.split('.')[0];
      put('Dockerfile', [
        `ARG V=${major}`,
        'FROM node:${V}-slim AS Build',
        'WORKDIR /repo',
        'ENV GREETING="hola mundo"',
        'COPY package*.json ./',
        'COPY src src',
        'COPY node_modules node_modules',
        'RUN test "$GREETING" = "hola mundo" && echo ran > ran.txt',
        'FROM build AS next',
        'COPY package.json .',
        'CMD ["node", "x.mjs"]',
      ].join('\n'));
      const image = await dryBuild({ dockerfile: path.join(ctx, 'Dockerfile'), context: ctx, outDir: path.join(dir, 'out') });
      expect(image).toMatchObject({ workdir: path.join(image.dir, 'repo'), cmd: ['node', 'x.mjs'], env: { GREETING: 'hola mundo' } });
      const has = (file: string) => existsSync(path.join(image.workdir, file));
      expect(['package.json', 'package-lock.json', 'src/sub/x.ts', 'node_modules/keep/k.js', 'ran.txt'].filter((f) => !has(f))).toEqual([]);
      expect(has('node_modules/drop/d.js')).toBe(false);
      expect(readlinkSync(path.join(image.workdir, 'src/link.json'))).toBe('../package.json');
      // Another Node major than the image's is refused: the RUN steps would say nothing about the image.
      put('Dockerfile', 'FROM node:1-slim\nRUN true\n');
      await expect(dryBuild({ dockerfile: path.join(ctx, 'Dockerfile'), context: ctx, outDir: path.join(dir, 'out') })).rejects.toThrow(/built on Node 1, this is Node/);
      put('Dockerfile', `FROM node:${major}\nCOPY missing.txt ./\n`);
      await expect(dryBuild({ dockerfile: path.join(ctx, 'Dockerfile'), context: ctx, outDir: path.join(dir, 'out') })).rejects.toThrow(/Dockerfile:2 COPY: missing.txt does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ENV is read in both of Docker's forms, with shell quoting", () => {
    expect(envPairs('NODE_ENV=production HOST=0.0.0.0 PORT=4000')).toEqual({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '4000' });
    expect(envPairs(`A='x y' B="a\\$b" C=plain`)).toEqual({ A: 'x y', B: 'a$b', C: 'plain' });
    expect(envPairs('JAVA_OPTS -Dfoo=bar -Dx=y')).toEqual({ JAVA_OPTS: '-Dfoo=bar -Dx=y' });
  });
});
