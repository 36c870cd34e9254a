import { sql } from 'drizzle-orm';
import { INSTANCE_TYPES, type AuditActor, type DeploymentRequest, type DeploymentSize, type DeploymentState, type InstanceType } from '@neo/contracts';
import type { Database } from './database';
import type { Tx } from '../pipeline/projector';
import { rowsOf } from './event-store';
import { appendAudit } from './audit-store';
import { joinColumns, joinOf, type StreamJoin } from './stream-join';
import { runRead, type ReadStatement } from './read-statement';

interface DeploymentRow {
  tenant_id: string;
  id: string;
  instance_type: string;
  instance_name: string | null;
  size: string | null;
  status: string;
  progress: number | string;
  current_step: string | null;
  steps: unknown;
  logs: unknown;
  log_count: number | string;
  error: string | null;
  error_code: string | null;
  error_params: unknown;
  instance_url: string | null;
  started_at: string | Date;
  finished_at: string | Date | null;
  updated_at: string | Date;
  version: number | string;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
const iso = (v: string | Date) => new Date(v).toISOString();
const jsonOrNull = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export function toDeploymentState(r: DeploymentRow): DeploymentState {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    instanceType: r.instance_type as InstanceType,
    instanceName: r.instance_name,
    size: (r.size ?? null) as DeploymentSize | null,
    status: r.status as DeploymentState['status'],
    progress: Number(r.progress),
    currentStep: r.current_step,
    steps: json<string[]>(r.steps),
    logs: json<string[]>(r.logs),
    logCount: Number(r.log_count),
    error: r.error,
    errorCode: r.error_code ?? null,
    errorParams: json<Record<string, string | number> | null>(r.error_params ?? null),
    instanceUrl: r.instance_url,
    startedAt: iso(r.started_at),
    finishedAt: r.finished_at === null ? null : iso(r.finished_at),
    updatedAt: iso(r.updated_at),
    version: Number(r.version),
  };
}

/** The deployment's row, locked for the rest of the transaction (events of one deployment apply one at a time). */
export async function lockDeployment(tx: Tx, tenantId: string, id: string): Promise<DeploymentState | null> {
  const rows = rowsOf<DeploymentRow>(await tx.execute(sql`select * from deployments where tenant_id = ${tenantId} and id = ${id} for update`));
  return rows[0] ? toDeploymentState(rows[0]) : null;
}

/** Inserts a new deployment; false when the id exists already (a concurrent start won). */
export async function insertDeployment(tx: Tx, s: DeploymentState): Promise<boolean> {
  const rows = rowsOf<{ id: string }>(await tx.execute(sql`
    insert into deployments (tenant_id, id, instance_type, instance_name, size, status, progress, current_step, steps, logs, log_count, error, error_code, error_params, instance_url, started_at, finished_at, updated_at, version)
    values (${s.tenantId}, ${s.id}, ${s.instanceType}, ${s.instanceName}, ${s.size ?? null}, ${s.status}, ${s.progress}, ${s.currentStep}, ${JSON.stringify(s.steps)}::jsonb, ${JSON.stringify(s.logs)}::jsonb,
            ${s.logCount}, ${s.error}, ${s.errorCode ?? null}, ${jsonOrNull(s.errorParams)}::jsonb, ${s.instanceUrl}, ${s.startedAt}::timestamptz, ${s.finishedAt}::timestamptz, ${s.updatedAt}::timestamptz, ${s.version})
    on conflict (tenant_id, id) do nothing
    returning id`));
  return rows.length === 1;
}

export async function updateDeployment(tx: Tx, s: DeploymentState): Promise<void> {
  await tx.execute(sql`
    update deployments set status = ${s.status}, progress = ${s.progress}, current_step = ${s.currentStep}, logs = ${JSON.stringify(s.logs)}::jsonb,
      log_count = ${s.logCount}, error = ${s.error}, error_code = ${s.errorCode ?? null}, error_params = ${jsonOrNull(s.errorParams)}::jsonb, instance_url = ${s.instanceUrl}, finished_at = ${s.finishedAt}::timestamptz,
      updated_at = ${s.updatedAt}::timestamptz, version = ${s.version}
    where tenant_id = ${s.tenantId} and id = ${s.id}`);
}

/**
 * The statement behind a deployments page: the tenant's newest, read off (tenant_id, started_at desc,
 * id) in order (an ordered walk: with sorting off, the planner cannot fetch them all and sort instead).
 */
export function deploymentsPage(tenantId: string, channel: string, limit: number): ReadStatement {
  return {
    plan: 'ordered-walk',
    query: sql`
    select (select coalesce(json_agg(d), '[]'::json) from (
              select * from deployments where tenant_id = ${tenantId} order by started_at desc, id limit ${limit}) d) as items,
           ${joinColumns(channel)}`,
  };
}

/** A tenant's deployments, newest first, with the stream join. */
export async function listDeployments(database: Database, tenantId: string, channel: string, limit: number): Promise<{ items: DeploymentState[]; join: StreamJoin }> {
  const rows = await runRead<{ items: unknown; stream_seq: number | string; pending: unknown }>(database, deploymentsPage(tenantId, channel, limit));
  const r = rows[0]!;
  return { items: json<DeploymentRow[]>(r.items).map(toDeploymentState), join: joinOf(r) };
}

/** One deployment (or whether it is only requested so far), with the stream join. */
export async function getDeployment(database: Database, tenantId: string, id: string, channel: string): Promise<{ item: DeploymentState | null; requested: boolean; join: StreamJoin }> {
  const rows = await database.rows<{ item: unknown; requested: boolean; stream_seq: number | string; pending: unknown }>(sql`
    select (select row_to_json(d) from deployments d where tenant_id = ${tenantId} and id = ${id}) as item,
           exists (select 1 from deployment_requests where tenant_id = ${tenantId} and id = ${id}) as requested,
           ${joinColumns(channel)}`);
  const r = rows[0]!;
  const item = json<DeploymentRow | null>(r.item);
  return { item: item ? toDeploymentState(item) : null, requested: Boolean(r.requested), join: joinOf(r) };
}

/**
 * The statement behind `recentDurations`: for each instance type, its `sample` newest completed
 * deployments read off deployments_eta_idx in order (not every completed deployment of the tenant
 * numbered and filtered, which grew with the tenant's history).
 */
export function deploymentDurations(tenantId: string, sample: number): ReadStatement {
  return {
    plan: 'ordered-walk',
    query: sql`
    select t.instance_type, extract(epoch from (d.finished_at - d.started_at)) * 1000 as ms
    from unnest(${sql.param([...INSTANCE_TYPES])}::text[]) as t(instance_type)
    cross join lateral (
      select finished_at, started_at from deployments
      where tenant_id = ${tenantId} and instance_type = t.instance_type and status = 'completed'
      order by finished_at desc limit ${sample}) d`,
  };
}

/** Durations (ms) of the tenant's most recent completed deployments of each instance type. */
export async function recentDurations(database: Database, tenantId: string, sample: number): Promise<Map<string, number[]>> {
  const rows = await runRead<{ instance_type: string; ms: number | string }>(database, deploymentDurations(tenantId, sample));
  const byType = new Map<string, number[]>();
  for (const r of rows) byType.set(r.instance_type, [...(byType.get(r.instance_type) ?? []), Number(r.ms)]);
  return byType;
}

/** A deployment request as the deployer claims it (the contract's `DeploymentRequest`). */
export type { DeploymentRequest };

export async function insertDeploymentRequest(database: Database, r: Omit<DeploymentRequest, 'requestedAt'>): Promise<DeploymentRequest> {
  const rows = await database.rows<{ requested_at: string | Date }>(sql`
    insert into deployment_requests (id, tenant_id, instance_type, instance_name, size, requested_by)
    values (${r.deploymentId}, ${r.tenantId}, ${r.instanceType}, ${r.instanceName}, ${r.size}, ${r.requestedBy}) returning requested_at`);
  return { ...r, requestedAt: iso(rows[0]!.requested_at) };
}

/**
 * Hands up to `limit` unclaimed requests of `tenants` (null: every tenant) to one deployer; concurrent
 * deployers never get the same one. Each claim is audited in the same transaction.
 */
export async function claimDeploymentRequests(database: Database, limit: number, tenants: readonly string[] | null, actor: AuditActor): Promise<DeploymentRequest[]> {
  return database.db.transaction(async (tx) => {
    const scope = tenants === null ? sql`true` : sql`tenant_id = any(${sql.param([...tenants])}::text[])`;
    const rows = rowsOf<{ id: string; tenant_id: string; instance_type: string; instance_name: string | null; size: string | null; requested_by: string; requested_at: string | Date }>(await tx.execute(sql`
      update deployment_requests set claimed_at = now()
      where id in (select id from deployment_requests where claimed_at is null and ${scope} order by requested_at limit ${limit} for update skip locked)
      returning id, tenant_id, instance_type, instance_name, size, requested_by, requested_at`));
    const claimed = rows
      .map((r) => ({ deploymentId: r.id, tenantId: r.tenant_id, instanceType: r.instance_type as InstanceType, instanceName: r.instance_name, size: (r.size ?? null) as DeploymentSize | null, requestedBy: r.requested_by, requestedAt: iso(r.requested_at) }))
      .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
    for (const r of claimed) {
      await appendAudit(tx, { actor, action: 'deployment_request.claim', target: `deployment:${r.deploymentId}`, tenantId: r.tenantId, details: { instanceType: r.instanceType, ...(r.size ? { size: r.size } : {}), requestedBy: r.requestedBy } });
    }
    return claimed;
  });
}
