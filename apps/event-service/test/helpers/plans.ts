import { sql } from 'drizzle-orm';
import type { Database } from '../../src/store/database';
import { runRead, type ReadStatement } from '../../src/store/read-statement';

/** One node of `EXPLAIN (ANALYZE, FORMAT JSON)`, the fields the checks read. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** EXPLAIN ANALYZE of a store's read, run exactly as the store runs it (same transaction settings). */
export async function explainRead(database: Database, statement: ReadStatement): Promise<PlanNode> {
  const rows = await runRead<{ 'QUERY PLAN': unknown }>(database, { ...statement, query: sql`explain (analyze, buffers, format json) ${statement.query}` });
  const doc = rows[0]!['QUERY PLAN'];
  const parsed = (typeof doc === 'string' ? JSON.parse(doc) : doc) as Array<{ Plan: PlanNode }>;
  return parsed[0]!.Plan;
}

export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

const SCANS = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan']);

/** Rows a plan read from `tables`: what its scans returned plus what their filters threw away, over all loops. */
export function rowsRead(plan: PlanNode, tables: readonly string[]): number {
  return planNodes(plan)
    .filter((n) => SCANS.has(n['Node Type']) && tables.includes(n['Relation Name'] ?? ''))
    .reduce((sum, n) => sum + (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) * n['Actual Loops'], 0);
}

/**
 * What makes a read cost what is stored rather than what it returns: a sequential scan of a large
 * table, a sort of more than `maxSorted` rows, more than `maxRead` rows read from the large tables.
 */
export function unboundedWork(plan: PlanNode, o: { tables: readonly string[]; maxRead: number; maxSorted: number }): string[] {
  const problems: string[] = [];
  for (const n of planNodes(plan)) {
    if (n['Node Type'] === 'Seq Scan' && o.tables.includes(n['Relation Name'] ?? '')) problems.push(`sequential scan of ${n['Relation Name']}`);
    if (n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort') {
      const sorted = (n.Plans ?? []).reduce((sum, c) => sum + c['Actual Rows'] * c['Actual Loops'], 0);
      if (sorted > o.maxSorted) problems.push(`${n['Node Type']} of ${sorted} rows`);
    }
  }
  const read = rowsRead(plan, o.tables);
  if (read > o.maxRead) problems.push(`${read} rows read`);
  return problems;
}

/** The indexes a plan scans. */
export function indexesUsed(plan: PlanNode): string[] {
  return [...new Set(planNodes(plan).flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])))];
}
