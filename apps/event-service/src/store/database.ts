import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';
import { MIGRATIONS } from './migrations';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** The handle inside `db.transaction(tx => …)`; on PGlite, query it and never `db` there (one connection). */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** A jsonb column: an object from node-postgres, sometimes a string from PGlite. */
export const jsonColumn = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** A timestamptz column as ISO 8601 (a Date from node-postgres, a string or Date from PGlite). */
export const isoColumn = (v: string | Date): string => new Date(v).toISOString();

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Rows of a raw query, the same shape on both drivers. */
  rows<T>(query: ReturnType<typeof sql>): Promise<T[]>;
  /** Subscribes to a Postgres NOTIFY channel (no-op on PGlite: one process, woken in-process). */
  listen(channel: string, onNotify: () => void): Promise<void>;
  /** Checks that the database answers. */
  ping(): Promise<void>;
  /** Connections of the Postgres pool (metrics); absent on PGlite, which has one in-process connection. */
  poolStats?: () => { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface OpenOptions {
  /** `postgres://…`; absent means PGlite in `dataDir`. */
  url?: string;
  /** PGlite data folder; `memory://` for an in-memory database. */
  dataDir: string;
  /** Pool size for Postgres. Default 10. */
  poolSize?: number;
}

const MIGRATION_LOCK = 7_420_001;

/** Opens PGlite or Postgres behind the same drizzle handle, and migrates. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  const database = options.url ? await openPostgres(options.url, options.poolSize ?? 10) : await openPglite(options.dataDir);
  await migrate(database);
  return database;
}

async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(path.resolve(dataDir), { recursive: true });
  const unlock = inMemory ? () => {} : lockDataDir(path.resolve(dataDir));
  const client = await PGlite.create(inMemory ? undefined : path.resolve(dataDir)).catch((err: unknown) => {
    unlock();
    throw err;
  });
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    rows: async <T>(query: ReturnType<typeof sql>) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    listen: async () => {},
    ping: async () => void (await client.query('select 1')),
    close: async () => {
      await client.close();
      unlock();
    },
  };
}

/**
 * PGlite is one process's database: a second process on the same folder (a second `npm start`, or
 * `npm run keys` while the service runs) would corrupt it. A lock file with the owner's pid refuses
 * that; a lock left by a process that died is taken over.
 */
function lockDataDir(dir: string): () => void {
  const file = path.join(dir, 'neo.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new Error(`the PGlite data folder ${dir} is in use by process ${owner}; stop it first (or set DATABASE_URL to share a PostgreSQL)`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the PGlite data folder ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pg = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const Pool = pg.default.Pool;
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    // Fail fast when the database is unreachable: ingest answers 503 instead of hanging.
    connectionTimeoutMillis: 2_000,
    query_timeout: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // A checked-out client whose socket dies emits 'error' too; the query in flight already fails with it.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  const listeners: Array<{ release: () => void }> = [];
  let closed = false;
  const listen = async (channel: string, onNotify: () => void) => {
    // A dedicated connection for LISTEN, re-established with backoff if Postgres goes away.
    const connect = async (attempt = 0): Promise<void> => {
      if (closed) return;
      const client = new pg.default.Client({ connectionString: url, connectionTimeoutMillis: 2_000, keepAlive: true });
      const retry = () => {
        if (closed) return;
        setTimeout(() => void connect(attempt + 1), Math.min(5_000, 200 * 2 ** attempt)).unref();
      };
      client.on('error', () => {});
      client.on('end', retry);
      client.on('notification', onNotify);
      try {
        await client.connect();
        await client.query(`LISTEN ${channel}`);
        listeners.push({ release: () => void client.end().catch(() => {}) });
        onNotify(); // catch up on anything committed while not listening
      } catch {
        client.removeListener('end', retry);
        void client.end().catch(() => {});
        retry();
      }
    };
    await connect();
  };
  return {
    db,
    kind: 'postgres',
    rows: async <T>(query: ReturnType<typeof sql>) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    listen,
    ping: async () => void (await pool.query('select 1')),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      closed = true;
      listeners.forEach((l) => l.release());
      // A client lost mid-transaction may never be handed back; do not let it hold shutdown hostage.
      await Promise.race([pool.end(), new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
}

async function migrate(database: Database): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.execute(sql`create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())`);
    const done = new Set(((await tx.execute(sql`select id from schema_migrations`)) as unknown as { rows: Array<{ id: string }> }).rows.map((r) => r.id));
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      // One statement per call: the extended query protocol refuses several at once.
      for (const statement of m.sql.split(/;\s*\n/).map((st) => st.trim()).filter(Boolean)) await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into schema_migrations (id) values (${m.id})`);
    }
  });
}

/**
 * True for errors that mean "the database cannot be reached right now" (answer 503, retry later).
 * Looks through `cause`: drizzle wraps the driver's error in its own "Failed query" error.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: string; message?: string; cause?: unknown } | null, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300'].includes(e.code)) return true;
    if (/timeout exceeded when trying to connect|Connection terminated|Query read timeout|connect ECONNREFUSED|Client has encountered a connection error|Cannot use a pool after calling end/i.test(e.message ?? '')) return true;
  }
  return false;
}
