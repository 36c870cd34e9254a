import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { MIGRATIONS } from './migrations';
import { executePrepared, rowsOf, type Db, type Tx } from './sql';

/**
 * Runs a transaction's last statement (named and prepared, like `executePrepared`) and commits with it;
 * resolves with the statement's result once the commit succeeded (on PostgreSQL with node-postgres's own
 * type parsing: a timestamptz column comes back as a Date, not as drizzle's text). On PostgreSQL both go
 * to the server at once, so the commit costs no round trip of its own; the statement must therefore RAISE
 * whatever should roll the transaction back (a failed statement turns the COMMIT sent behind it into a
 * rollback), since nothing the caller does after it can. Called at most once per transaction.
 */
export type CommitWith = (name: string, query: SQL) => Promise<unknown>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Rows of a raw query, the same shape on both drivers. */
  rows<T>(query: ReturnType<typeof sql>): Promise<T[]>;
  /** Subscribes to a Postgres NOTIFY channel (no-op on PGlite: one process, woken in-process). */
  listen(channel: string, onNotify: () => void): Promise<void>;
  /** Checks that the database answers. */
  ping(): Promise<void>;
  /**
   * A transaction for the hot write path (ingest). On PostgreSQL its statements are pipelined (node-postgres
   * `pipeline` mode): BEGIN travels with the first statement and COMMIT with the last (`commitWith`), so a
   * transaction of n statements costs n − 1 round trips fewer than `db.transaction`'s n + 2. Without a call
   * to `commitWith`, it commits when `fn` returns, like `db.transaction`; if `fn` throws before calling it,
   * it rolls back. On PGlite it is `db.transaction`.
   */
  pipelinedTransaction<T>(fn: (tx: Tx, commitWith: CommitWith) => Promise<T>): Promise<T>;
  /** Connections of each Postgres pool (metrics); absent on PGlite, which has one in-process connection. */
  poolStats?: () => Array<{ pool: PoolName; total: number; idle: number; waiting: number }>;
  /**
   * The same database for request handlers: on Postgres a pool of its own whose statements are cancelled
   * after `statementTimeoutMs`, so a flood of reads can neither take the connections ingest and the relay
   * need nor hold one for long. On PGlite (one connection) the database itself.
   */
  forRequests(): Database;
  /**
   * A connection of the relay's own, outside every pool, so that readers and ingest can never make it
   * wait for a connection (and session locks stay with it). On PGlite the one connection.
   */
  openSession(): Promise<Session>;
  close(): Promise<void>;
}

/** One dedicated connection; `db` speaks through it only. */
export interface Session {
  db: Db;
  /** Whether the connection broke (the session must be replaced). */
  readonly broken: boolean;
  end(): Promise<void>;
}

export type PoolName = 'ingest' | 'requests';

export interface OpenOptions {
  /** `postgres://…`; absent means PGlite in `dataDir`. */
  url?: string;
  /** PGlite data folder; `memory://` for an in-memory database. */
  dataDir: string;
  /** Connections for ingest, projectors and background work (Postgres). Default 6. */
  ingestPoolSize?: number;
  /** Connections for request handlers (Postgres). Default 6. */
  requestPoolSize?: number;
  /** Longest a request handler's statement may run before Postgres cancels it, ms. Default 5000. */
  statementTimeoutMs?: number;
}

const MIGRATION_LOCK = 7_420_001;

/** Opens PGlite or Postgres behind the same drizzle handle, and migrates. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  const database = options.url
    ? await openPostgres(options.url, { ingest: options.ingestPoolSize ?? 6, requests: options.requestPoolSize ?? 6, statementTimeoutMs: options.statementTimeoutMs ?? 5_000 })
    : await openPglite(options.dataDir);
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
  const db = drizzle({ client });
  const database: Database = {
    db,
    kind: 'pglite',
    rows: async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query)),
    listen: async () => {},
    ping: async () => void (await client.query('select 1')),
    // One in-process connection: nothing to pipeline; the statement runs and the commit follows `fn`.
    pipelinedTransaction: (fn) => db.transaction((tx) => fn(tx, (name, query) => executePrepared(tx, name, query))),
    forRequests: () => database,
    openSession: async () => ({ db, broken: false, end: async () => {} }),
    close: async () => {
      await client.close();
      unlock();
    },
  };
  return database;
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

async function openPostgres(url: string, sizes: { ingest: number; requests: number; statementTimeoutMs: number }): Promise<Database> {
  const pg = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const newPool = (max: number, extra: Record<string, unknown> = {}) => {
    const pool = new pg.default.Pool({
      connectionString: url,
      max,
      // Fail fast when the database is unreachable: ingest answers 503 instead of hanging.
      connectionTimeoutMillis: 2_000,
      query_timeout: 10_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      ...extra,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    // A checked-out client whose socket dies emits 'error' too; the query in flight already fails with it.
    pool.on('connect', (client) => client.on('error', () => {}));
    return pool;
  };
  // Ingest's connections pipeline (pipelinedTransaction). Every other use of them awaits each statement
  // before the next, which pipeline mode leaves as it was; it only refuses cursors, which nothing here uses.
  const pools = { ingest: newPool(sizes.ingest, { pipeline: true }), requests: newPool(sizes.requests, { statement_timeout: sizes.statementTimeoutMs }) };
  const rowsOn = (db: Db) => async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query));
  const db = drizzle({ client: pools.ingest });
  const requestsDb = drizzle({ client: pools.requests });
  const listeners: Array<{ release: () => void }> = [];
  const sessions = new Set<Session>();
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
  const openSession = async (): Promise<Session> => {
    if (closed) throw new Error('Cannot use a pool after calling end on the pool');
    const client = new pg.default.Client({ connectionString: url, connectionTimeoutMillis: 2_000, query_timeout: 10_000, keepAlive: true });
    let broken = false;
    client.on('error', () => (broken = true));
    client.on('end', () => (broken = true));
    await client.connect();
    const session: Session = {
      db: drizzle({ client }),
      get broken() {
        return broken;
      },
      end: async () => {
        sessions.delete(session);
        broken = true;
        await client.end().catch(() => {});
      },
    };
    sessions.add(session);
    return session;
  };
  // A COMMIT in a transaction an earlier statement aborted (its error caught by the caller) rolls back.
  const assertCommitted = (reply: { command: string }) => {
    if (reply.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${reply.command}): an earlier statement failed`);
  };
  // A drizzle handle per pooled connection, for the statements of a pipelined transaction.
  const handles = new WeakMap<InstanceType<typeof pg.default.Client>, Tx>();
  const pipelinedTransaction = async <T>(fn: (tx: Tx, commitWith: CommitWith) => Promise<T>): Promise<T> => {
    const client = await pools.ingest.connect();
    let tx = handles.get(client);
    if (!tx) handles.set(client, (tx = drizzle({ client }) as unknown as Tx));
    const dialect = (tx as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } }).dialect;
    let committed: 'no' | 'sent' = 'no';
    let broken: unknown;
    // BEGIN, the statements issued in this turn of the event loop and the COMMIT leave in ONE socket write:
    // node-postgres writes each query on its own (corked per query), and on this kind of VM a write to the
    // socket, and the wake-up of the PostgreSQL backend it causes, cost more than the bytes (the writes were
    // a quarter of the service's busy time in B1). Corked here, uncorked when the COMMIT is issued, or at
    // the end of this turn of the event loop when `fn` awaits a statement of its own first (a read).
    const socket = (client as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
    socket.cork();
    let corked = true;
    const send = () => {
      if (!corked) return;
      corked = false;
      clearImmediate(endOfTurn);
      socket.uncork();
    };
    const endOfTurn = setImmediate(send);
    // Not awaited: the first statement follows on the wire. A failed BEGIN fails what follows it too.
    const begun = client.query('begin');
    begun.catch(() => {});
    const commitWith: CommitWith = async (name, query) => {
      if (committed !== 'no') throw new Error('commitWith called twice in one transaction');
      committed = 'sent';
      const q = dialect.sqlToQuery(query);
      const last = client.query({ name, text: q.sql, values: q.params });
      const commit = client.query('commit');
      send();
      // Each is awaited below, but a failed BEGIN leaves the others unawaited: never an unhandled rejection.
      last.catch(() => {});
      commit.catch(() => {});
      await begun;
      const result = await last; // when it failed, the server turned the COMMIT behind it into a rollback
      assertCommitted(await commit);
      return result;
    };
    try {
      const result = await fn(tx, commitWith);
      if (committed === 'no') {
        const commit = client.query('commit');
        commit.catch(() => {}); // awaited below; a failed BEGIN must not leave it unhandled
        send();
        await begun;
        assertCommitted(await commit);
      }
      return result;
    } catch (err) {
      send();
      if (isDatabaseUnavailable(err)) broken = err;
      else if (committed === 'no') await client.query('rollback').catch((e: unknown) => (broken = e));
      throw err;
    } finally {
      send(); // never a corked connection back in the pool
      // A connection that failed is not handed to the next transaction.
      client.release(broken instanceof Error ? broken : broken ? new Error(String(broken)) : undefined);
    }
  };
  const database: Database = {
    db,
    kind: 'postgres',
    rows: rowsOn(db),
    listen,
    ping: async () => void (await pools.ingest.query('select 1')),
    pipelinedTransaction,
    poolStats: () => (Object.entries(pools) as Array<[PoolName, InstanceType<typeof pg.default.Pool>]>).map(([pool, p]) => ({ pool, total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount })),
    forRequests: () => requests,
    openSession,
    close: async () => {
      closed = true;
      listeners.forEach((l) => l.release());
      await Promise.all([...sessions].map((s) => s.end()));
      // A client lost mid-transaction may never be handed back; do not let it hold shutdown hostage.
      await Promise.race([Promise.all([pools.ingest.end(), pools.requests.end()]), new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
  const requests: Database = { ...database, db: requestsDb, rows: rowsOn(requestsDb), ping: async () => void (await pools.requests.query('select 1')), forRequests: () => requests, close: async () => {} };
  return database;
}

async function migrate(database: Database): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.execute(sql`create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())`);
    const done = new Set(rowsOf<{ id: string }>(await tx.execute(sql`select id from schema_migrations`)).map((r) => r.id));
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

/** Whether `err`, or an error it wraps (`cause`: drizzle wraps the driver's), carries the SQLSTATE `code`. */
export function hasSqlState(err: unknown, code: string): boolean {
  for (let e = err as { code?: string; cause?: unknown } | null, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === code) return true;
  }
  return false;
}

/** A request's statement ran past the request pool's `statement_timeout` (Postgres cancelled it). */
export function isStatementTimeout(err: unknown): boolean {
  return hasSqlState(err, '57014');
}
