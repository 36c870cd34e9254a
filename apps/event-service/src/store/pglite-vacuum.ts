import { sql } from 'drizzle-orm';
import type { Database } from './database';

export interface PgliteVacuumOptions {
  /** Time between two looks at the tables, ms. Default 60,000. */
  intervalMs?: number;
  /** After each table vacuumed or analyzed: which, what was done, and how long it held the connection, ms. */
  onTable?: (info: { table: string; action: 'vacuum' | 'analyze'; ms: number }) => void;
  onError?: (err: unknown) => void;
}

/**
 * PostgreSQL's autovacuum defaults: a table is vacuumed past 50 + 20 % of its rows dead, or 1,000 + 20 %
 * inserted since its last vacuum (which marks pages all-visible and freezes them), and analyzed past
 * 50 + 10 % changed; any table, system catalogs included, whose oldest transaction id is older than
 * `autovacuum_freeze_max_age` is vacuumed (without that, PGlite would stop taking writes after about two
 * billion transactions).
 */
const VACUUM_THRESHOLD = 50;
const VACUUM_INSERT_THRESHOLD = 1000;
const VACUUM_SCALE = 0.2;
const ANALYZE_THRESHOLD = 50;
const ANALYZE_SCALE = 0.1;

/**
 * Autovacuum for PGlite, which runs PostgreSQL in single-user mode and so has no autovacuum launcher:
 * without this, a row deleted or updated is never reclaimed. Every event passes through the outbox (one
 * row in, one row out), so the outbox's table and indexes grew by ~200 bytes per event for the life of
 * the data folder, and `select exists (select 1 from outbox)` read all of it (measured: 2.3 ms after 40,000
 * events, growing linearly); events deleted by retention never gave their space back either.
 *
 * Our own, not a library: this is PostgreSQL's own rule (the thresholds above, on the counts PostgreSQL
 * keeps in pg_stat_all_tables and pg_class) applied by a timer, a few lines. A VACUUM holds PGlite's one
 * connection while it runs, so ingest waits for it: the outbox's takes milliseconds (its live rows are
 * few); the events table's reads the pages added since its last one (every fifth of growth) and, after
 * retention deleted a fifth of it, its indexes whole. A data folder that large belongs on PostgreSQL
 * (DATABASE_URL), whose autovacuum works beside the traffic.
 */
export class PgliteVacuum {
  readonly #database: Database;
  readonly #intervalMs: number;
  readonly #o: PgliteVacuumOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(database: Database, options: PgliteVacuumOptions = {}) {
    if (database.kind !== 'pglite') throw new Error('PgliteVacuum is for PGlite: PostgreSQL has its own autovacuum');
    this.#database = database;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#o = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#stopped = false;
    this.#timer = setInterval(() => {
      // A look still running (a long VACUUM) is not joined by the next.
      if (!this.#running) void this.run().catch((err: unknown) => this.#o.onError?.(err));
    }, this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /** One look: vacuums (and analyzes) the tables past the thresholds, analyzes those only changed past theirs. */
  run(): Promise<void> {
    this.#running ??= this.#runOnce().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #runOnce(): Promise<void> {
    // The counts below are flushed at most once a second; this look sees the statements just before it.
    await this.#database.db.execute(sql`select pg_stat_force_next_flush()`);
    const dead = sql`s.n_dead_tup > ${VACUUM_THRESHOLD} + ${VACUUM_SCALE}::float8 * s.n_live_tup`;
    const inserted = sql`s.n_ins_since_vacuum > ${VACUUM_INSERT_THRESHOLD} + ${VACUUM_SCALE}::float8 * s.n_live_tup`;
    const old = sql`age(c.relfrozenxid) > current_setting('autovacuum_freeze_max_age')::int`;
    const changed = sql`s.n_mod_since_analyze > ${ANALYZE_THRESHOLD} + ${ANALYZE_SCALE}::float8 * s.n_live_tup`;
    // `regclass` as text: the name quoted and qualified by PostgreSQL itself, safe to put in the statement.
    // pg_statistic is never analyzed (as autovacuum does): analyzing writes it, and every look would find
    // it changed again.
    const statistics = sql`c.oid = 'pg_catalog.pg_statistic'::regclass`;
    const tables = await this.#database.rows<{ name: string; action: 'vacuum' | 'analyze'; statistics: boolean }>(sql`
      select c.oid::regclass::text as name, case when ${dead} or ${inserted} or ${old} then 'vacuum' else 'analyze' end as action, ${statistics} as statistics
      from pg_class c left join pg_stat_all_tables s on s.relid = c.oid
      where c.relkind in ('r', 'm') and (${dead} or ${inserted} or ${old} or (${changed} and not ${statistics}))
      order by s.n_dead_tup desc nulls last`);
    for (const { name, action, statistics: isStatistics } of tables) {
      if (this.#stopped) return; // shutdown does not wait for the rest
      const t0 = performance.now();
      try {
        // One table per statement, outside any transaction (VACUUM cannot run inside one).
        const statement = action === 'analyze' ? 'analyze' : isStatistics ? 'vacuum' : 'vacuum (analyze)';
        await this.#database.db.execute(sql.raw(`${statement} ${name}`));
        this.#o.onTable?.({ table: name, action, ms: performance.now() - t0 });
      } catch (err) {
        this.#o.onError?.(err); // the other tables are still looked after
      }
    }
  }
}
