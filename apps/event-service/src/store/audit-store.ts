import { sql, type SQL } from 'drizzle-orm';
import { uuidv7, type AuditAction, type AuditActor, type AuditEntry } from '@neo/contracts';
import { type Database } from './database';
import { isoColumn, jsonColumn, rowsOf, type Tx } from './sql';

/** What an action records; `at` and `id` are given on append. */
export interface AuditRecord {
  actor: AuditActor;
  action: AuditAction;
  target: string;
  tenantId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Appends to the audit log inside the caller's transaction, so that an action and its record commit
 * together or not at all. The table refuses UPDATE, DELETE and TRUNCATE (a trigger): append-only.
 */
export async function appendAudit(tx: Tx, record: AuditRecord): Promise<void> {
  await tx.execute(sql`
    insert into audit_log (id, actor_kind, actor_id, action, target, tenant_id, details)
    values (${uuidv7()}, ${record.actor.kind}, ${record.actor.id}, ${record.action}, ${record.target}, ${record.tenantId ?? null}, ${JSON.stringify(record.details ?? {})}::jsonb)`);
}

export interface AuditQuery {
  actor?: string;
  action?: AuditAction;
  tenantId?: string;
  from?: string;
  to?: string;
  limit: number;
  /** Newest-first paging: entries strictly older than this (`at`, `id`). */
  before?: { at: string; id: string };
}

interface AuditRow {
  id: string;
  at: string | Date;
  actor_kind: 'user' | 'ingest_key';
  actor_id: string;
  action: AuditAction;
  target: string;
  tenant_id: string | null;
  details: unknown;
}

/** One page of the audit log, newest first; one more row than asked tells whether there is a next page. */
export async function queryAudit(database: Database, q: AuditQuery): Promise<{ items: AuditEntry[]; more: boolean }> {
  const where: SQL[] = [sql`true`];
  if (q.actor) where.push(sql`actor_id = ${q.actor}`);
  if (q.action) where.push(sql`action = ${q.action}`);
  if (q.tenantId) where.push(sql`tenant_id = ${q.tenantId}`);
  if (q.from) where.push(sql`at >= ${q.from}::timestamptz`);
  if (q.to) where.push(sql`at <= ${q.to}::timestamptz`);
  if (q.before) where.push(sql`(at, id) < (${q.before.at}::timestamptz, ${q.before.id}::uuid)`);
  const rows = rowsOf<AuditRow>(
    await database.db.execute(sql`
      select id, at, actor_kind, actor_id, action, target, tenant_id, details from audit_log
      where ${sql.join(where, sql` and `)}
      order by at desc, id desc limit ${q.limit + 1}`),
  );
  return {
    items: rows.slice(0, q.limit).map((r) => ({
      id: r.id,
      at: isoColumn(r.at),
      actor: { kind: r.actor_kind, id: r.actor_id },
      action: r.action,
      target: r.target,
      tenantId: r.tenant_id,
      details: jsonColumn<Record<string, unknown>>(r.details),
    })),
    more: rows.length > q.limit,
  };
}
