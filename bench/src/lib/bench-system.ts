import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { serviceEnv, startEventService, startSystem, startSystemOnFreePorts } from '../../../scripts/lib/system.mjs';
import { devSecret } from '../../../scripts/lib/secrets.mjs';
import { stopChild } from '../../../scripts/lib/proc.mjs';
import { POSTGRES_URL } from '../../../scripts/lib/services.mjs';
import { expectStatus, postJson } from './http';
import { readProcMemory, type ProcMemory } from './proc-stats';

/**
 * Limits raised for the bench (both are per-instance abuse limits, not capacity limits): every simulated
 * client is the same demo user, and B2 ingests far more than 5,000 requests/s would allow in bursts.
 */
/** B1–B5 measure the pipeline, not its abuse limits: those are lifted (B6 measures them at their defaults). */
export const BENCH_SERVICE_ENV = {
  RATE_LIMIT_TOKENS_PER_MINUTE: '1000000',
  RATE_LIMIT_INGEST_PER_SECOND: '1000000',
  RATE_LIMIT_USER_PER_SECOND: '1000000',
  RATE_LIMIT_TENANT_PER_SECOND: '1000000',
  RATE_LIMIT_TENANT_CONNECTIONS: '10000000',
  RATE_LIMIT_INGEST_EVENTS_PER_KEY: '10000000',
  RATE_LIMIT_INGEST_EVENTS_PER_TENANT: '10000000',
  INGEST_QUEUE_MAX_EVENTS: '10000000',
  // The load generator's raw clients never refresh their tokens (the portal's client does): with the
  // default 60 s, Centrifugo closed every bench connection a minute after it was made, and a full-length
  // B1 or a B3 ladder lost its subscribers mid-run (read until 2026-12-03 as "the generator falls behind").
  CONNECTION_TOKEN_TTL: '86400',
  SUBSCRIPTION_TOKEN_TTL: '86400',
  LOG_LEVEL: 'warn',
} as const;

export interface BenchSystemOptions {
  centrifugoBin: string;
  /** 'postgres' uses a fresh database on the local server (dropped at stop); 'pglite' the embedded one. */
  database: 'postgres' | 'pglite';
  portal?: boolean;
  /** Extra environment for the event service (e.g. NODE_OPTIONS=--cpu-prof). */
  env?: Record<string, string>;
}

/** The system as `npm start` runs it (same start code), on free ports, fresh secrets and a fresh database. */
export interface BenchSystem {
  serviceUrl: string;
  centrifugoUrl: string;
  centrifugoWs: string;
  portalUrl: string;
  ingestKey: string;
  centrifugoApiKey: string;
  /** The Postgres database of this system (undefined on PGlite). */
  databaseUrl?: string;
  /** PGlite's data folder (the service's DATA_DIR), to be opened only while the service is stopped. */
  pgliteDir: string;
  /** The event service's pid (changes with `restartService`). */
  readonly servicePid: number;
  centrifugoPid: number;
  /** Posts one event or `{events}` to `POST /v1/events`. */
  ingest(body: unknown): Promise<number>;
  /** Publishes straight to Centrifugo's HTTP API (`POST /api/publish`). */
  rawPublish(channel: string, data: unknown): Promise<number>;
  /** Demo login; returns the platform token. */
  login(email?: string): Promise<string>;
  connectionToken(platformToken: string): Promise<string>;
  subscriptionToken(platformToken: string, channel: string): Promise<string>;
  serviceMemory(): ProcMemory;
  centrifugoMemory(): ProcMemory;
  /**
   * Stops the event service, runs `meanwhile` (PGlite's data may be written then: one process at a time),
   * and starts it again with the same environment.
   */
  restartService(meanwhile?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

let dbCounter = 0;

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(POSTGRES_URL);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function startBenchSystem(o: BenchSystemOptions): Promise<BenchSystem> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'neo-bench-'));
  const secrets = { AUTH_JWT_SECRET: devSecret(), INGEST_API_KEYS: devSecret(), CENTRIFUGO_API_KEY: devSecret(), CENTRIFUGO_TOKEN_SECRET: devSecret() };
  let databaseUrl: string | undefined;
  let dbName: string | undefined;
  if (o.database === 'postgres') {
    dbName = `neo_bench_${process.pid}_${++dbCounter}`;
    await withAdmin((c) => c.query(`create database ${dbName}`));
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const cleanup = async () => {
    if (dbName) await withAdmin((c) => c.query(`drop database if exists ${dbName} with (force)`)).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  };
  let system: Awaited<ReturnType<typeof startSystem>>;
  const systemOptions = (ports: { centrifugo: number; service: number; portal: number }) => ({
    centrifugoBin: o.centrifugoBin,
    dataDir,
    secrets,
    ports,
    databaseUrl,
    portal: o.portal ?? false,
    deployer: false,
    quiet: true,
    // Every bench client connects as the same demo user: the per-user limit would count them all as one person's tabs.
    userConnectionLimit: 0,
    env: { ...BENCH_SERVICE_ENV, ...o.env },
  });
  try {
    system = await startSystemOnFreePorts(systemOptions);
  } catch (err) {
    await cleanup();
    throw err;
  }
  const pidOf = (name: string) => {
    const pid = system.services.find((s) => s.name === name)?.child.pid;
    if (!pid) throw new Error(`${name} has no pid`);
    return pid;
  };
  const { ports } = system;
  const serviceUrl = `http://127.0.0.1:${ports.service}`;
  const centrifugoUrl = `http://127.0.0.1:${ports.centrifugo}`;
  const ingestKey = secrets.INGEST_API_KEYS;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  return {
    serviceUrl,
    centrifugoUrl,
    centrifugoWs: `ws://127.0.0.1:${ports.centrifugo}/connection/websocket`,
    portalUrl: `http://localhost:${ports.portal}`,
    ingestKey,
    centrifugoApiKey: secrets.CENTRIFUGO_API_KEY,
    databaseUrl,
    pgliteDir: path.join(dataDir, 'pglite'),
    get servicePid() {
      return pidOf('event-service');
    },
    centrifugoPid: pidOf('centrifugo'),
    ingest: async (body) => (await postJson(`${serviceUrl}/v1/events`, body, bearer(ingestKey))).status,
    rawPublish: async (channel, data) => {
      const res = await postJson<{ error?: unknown }>(`${centrifugoUrl}/api/publish`, { channel, data }, { 'x-api-key': secrets.CENTRIFUGO_API_KEY });
      return res.status === 200 && !res.body?.error ? 200 : res.status === 200 ? 500 : res.status;
    },
    login: async (email = 'ana@acme.test') => expectStatus(await postJson<{ token: string }>(`${serviceUrl}/v1/auth/login`, { email, password: 'demo1234' }), 200, 'login').token,
    connectionToken: async (token) => expectStatus(await postJson<{ token: string }>(`${serviceUrl}/v1/realtime/connection-token`, {}, bearer(token)), 200, 'connection token').token,
    subscriptionToken: async (token, channel) =>
      expectStatus(await postJson<{ token: string }>(`${serviceUrl}/v1/realtime/subscription-token`, { channel }, bearer(token)), 200, `subscription token ${channel}`).token,
    serviceMemory: () => readProcMemory(pidOf('event-service')),
    centrifugoMemory: () => readProcMemory(pidOf('centrifugo')),
    restartService: async (meanwhile) => {
      const at = system.services.findIndex((svc) => svc.name === 'event-service');
      await stopChild(system.services[at]!.child);
      system.services.splice(at, 1);
      await meanwhile?.();
      // Pushed onto the same list `stop()` walks, so the new process is stopped with the rest.
      await startEventService({ env: serviceEnv(systemOptions(ports)), port: ports.service, quiet: true, started: system.services });
    },
    stop: async () => {
      await system.stop();
      await cleanup();
    },
  };
}
