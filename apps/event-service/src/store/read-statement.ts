import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { rowsOf } from './sql';

/**
 * The plan a read is written for, enforced with planner settings local to its transaction, because the
 * planner's own choice rests on statistics that are often missing: PGlite never gathers any (no
 * autovacuum), and Postgres has none for a table's new rows until its next ANALYZE. Without them a
 * channel is guessed at a few hundred rows, and "read it all, then sort" looks as cheap as the walk.
 *
 * - `ordered-walk`: newest-first pages. They order by the columns of one index and bound them with row
 *   comparisons (see `channelWalk` in history-store.ts), so reading that index backwards is the one plan
 *   without a sort; with sorting switched off, it is the plan, and it stops at the page.
 * - `index-lookup`: the few matches an index finds (a rare word, a range in the past), then sorted; with
 *   sequential scans switched off, a word the statistics think common still goes through its index.
 */
export type ReadPlan = 'ordered-walk' | 'index-lookup';

/** A read as a store function runs it, and as the plan tests EXPLAIN it. */
export interface ReadStatement {
  query: SQL;
  plan: ReadPlan;
}

const SETTINGS: Record<ReadPlan, SQL> = {
  'ordered-walk': sql`select set_config('enable_sort', 'off', true), set_config('enable_incremental_sort', 'off', true)`,
  'index-lookup': sql`select set_config('enable_seqscan', 'off', true)`,
};

type Tx = Parameters<Parameters<Database['db']['transaction']>[0]>[0];

/** Applies a plan's settings to the rest of the caller's transaction. */
export async function usePlan(tx: Tx, plan: ReadPlan): Promise<void> {
  await tx.execute(SETTINGS[plan]);
}

/** Runs a read in its own transaction, under its plan's settings. */
export async function runRead<T>(database: Database, statement: ReadStatement): Promise<T[]> {
  return database.db.transaction(async (tx) => {
    await usePlan(tx, statement.plan);
    return rowsOf<T>(await tx.execute(statement.query));
  });
}
