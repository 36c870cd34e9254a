import { sql } from 'drizzle-orm';
import type { AlertSeverity, AlertView, InstanceMetricsView } from '@neo/contracts';
import type { Tx } from '../pipeline/projector';
import type { Database } from './database';
import { rowsOf } from './event-store';
import type { RuleState } from '../monitoring/alert-rules';
import { joinColumns, joinOf, type StreamJoin } from './stream-join';

/** The scope of an alert: a tenant id, or '' for the platform (admin:alerts). */
export const PLATFORM_SCOPE = '';

/** The routes' shape of an alert, shared with the portal through the contract. */
export type AlertRow = AlertView;

export interface AlertChange {
  scope: string;
  tenantId: string | null;
  alertId: string;
  rule: string;
  severity: AlertSeverity;
  state: 'open' | 'updated' | 'resolved';
  message: string;
  code: string | null;
  params: Record<string, string | number> | null;
  value: number | null;
  threshold: number | null;
  instanceId: string | null;
  at: string;
}

/** Opens, updates or resolves one alert. An update or resolution of an unknown alert opens it first. */
export async function applyAlertChange(tx: Tx, c: AlertChange): Promise<void> {
  const state = c.state === 'resolved' ? 'resolved' : 'open';
  await tx.execute(sql`
    insert into alerts (scope, alert_id, tenant_id, rule, severity, state, message, code, params, value, threshold, instance_id, opened_at, updated_at, resolved_at)
    values (${c.scope}, ${c.alertId}, ${c.tenantId}, ${c.rule}, ${c.severity}, ${state}, ${c.message}, ${c.code}, ${c.params === null ? null : JSON.stringify(c.params)}::jsonb, ${c.value}, ${c.threshold}, ${c.instanceId},
            ${c.at}::timestamptz, ${c.at}::timestamptz, ${state === 'resolved' ? c.at : null}::timestamptz)
    on conflict (scope, alert_id) do update set
      severity = excluded.severity, state = excluded.state, message = excluded.message, code = excluded.code, params = excluded.params, value = excluded.value,
      threshold = excluded.threshold, updated_at = excluded.updated_at,
      resolved_at = case when excluded.state = 'resolved' then excluded.updated_at else null end`);
}

interface RawAlert {
  alert_id: string;
  tenant_id: string | null;
  rule: string;
  severity: AlertSeverity;
  state: 'open' | 'resolved';
  message: string;
  code: string | null;
  params: Record<string, string | number> | string | null;
  value: number | null;
  threshold: number | null;
  instance_id: string | null;
  opened_at: string | Date;
  updated_at: string | Date;
  resolved_at: string | Date | null;
}

const iso = (v: string | Date) => new Date(v).toISOString();

/** Alerts of a scope, open first then by severity, with the stream join of their channel (one snapshot). */
export async function listAlerts(database: Database, scope: string, channel: string, onlyOpen: boolean, limit = 100): Promise<{ items: AlertRow[]; join: StreamJoin }> {
  const rows = await database.rows<{ items: unknown; stream_seq: number | string; pending: unknown }>(sql`
    select (select coalesce(json_agg(a), '[]'::json) from (
              select alert_id, tenant_id, rule, severity, state, message, code, params, value, threshold, instance_id, opened_at, updated_at, resolved_at
              from alerts where scope = ${scope} ${onlyOpen ? sql`and state = 'open'` : sql``}
              order by (state = 'open') desc, case severity when 'critical' then 0 when 'warning' then 1 else 2 end, updated_at desc
              limit ${limit}) a) as items,
           ${joinColumns(channel)}`);
  const r = rows[0]!;
  const raw = (typeof r.items === 'string' ? JSON.parse(r.items) : r.items) as RawAlert[];
  const items = raw.map((a) => ({
    alertId: a.alert_id,
    tenantId: a.tenant_id,
    rule: a.rule,
    severity: a.severity,
    state: a.state,
    message: a.message,
    code: a.code,
    params: typeof a.params === 'string' ? (JSON.parse(a.params) as Record<string, string | number>) : a.params,
    value: a.value === null ? null : Number(a.value),
    threshold: a.threshold === null ? null : Number(a.threshold),
    instanceId: a.instance_id,
    openedAt: iso(a.opened_at),
    updatedAt: iso(a.updated_at),
    resolvedAt: a.resolved_at ? iso(a.resolved_at) : null,
  }));
  return { items, join: joinOf(r) };
}

export async function countOpenAlerts(database: Database): Promise<Map<string, number>> {
  const rows = await database.rows<{ scope: string; n: number }>(sql`select scope, count(*)::int as n from alerts where state = 'open' group by scope`);
  return new Map(rows.map((r) => [r.scope, Number(r.n)]));
}

/** Loads and locks the rule states of several subjects (tenant instances) for this transaction, in one query. */
export async function lockRuleStates(tx: Tx, subjects: string[]): Promise<Map<string, Map<string, RuleState>>> {
  const out = new Map<string, Map<string, RuleState>>(subjects.map((s) => [s, new Map()]));
  if (subjects.length === 0) return out;
  const rows = rowsOf<{ subject: string; rule: string; over_since: string | number | null; open_severity: AlertSeverity | null; opened_at: string | number | null }>(
    await tx.execute(sql`
      select subject, rule, over_since, open_severity, opened_at from alert_rule_state
      where subject in (${sql.join(subjects.map((s) => sql`${s}`), sql`, `)})
      order by subject, rule for update`),
  );
  for (const r of rows) {
    out.get(r.subject)?.set(r.rule, { overSince: r.over_since === null ? null : Number(r.over_since), open: r.open_severity, openedAt: r.opened_at === null ? null : Number(r.opened_at) });
  }
  return out;
}

/** Writes changed rule states, all in one statement. */
export async function saveRuleStates(tx: Tx, states: Array<{ subject: string; rule: string; state: RuleState }>): Promise<void> {
  if (states.length === 0) return;
  await tx.execute(sql`
    insert into alert_rule_state (subject, rule, over_since, open_severity, opened_at)
    values ${sql.join(states.map(({ subject, rule, state: st }) => sql`(${subject}, ${rule}, ${st.overSince}::bigint, ${st.open}, ${st.openedAt}::bigint)`), sql`, `)}
    on conflict (subject, rule) do update set over_since = excluded.over_since, open_severity = excluded.open_severity, opened_at = excluded.opened_at`);
}

/** A sample as stored; the routes add the instance type (InstanceMetricsView). */
export type InstanceMetrics = Omit<InstanceMetricsView, 'instanceType'>;

/** Stores the latest sample of several instances in one statement (an older sample never overwrites a newer one). */
export async function upsertInstanceMetrics(tx: Tx, samples: Array<{ tenantId: string; m: InstanceMetrics }>): Promise<void> {
  if (samples.length === 0) return;
  await tx.execute(sql`
    insert into instance_metrics (tenant_id, instance_id, cpu, memory, disk, network_in, network_out, uptime, updated_at)
    values ${sql.join(samples.map(({ tenantId, m }) => sql`(${tenantId}, ${m.instanceId}, ${m.cpu}, ${m.memory}, ${m.disk}, ${m.networkIn}, ${m.networkOut}, ${m.uptime}, ${m.updatedAt}::timestamptz)`), sql`, `)}
    on conflict (tenant_id, instance_id) do update set cpu = excluded.cpu, memory = excluded.memory, disk = excluded.disk,
      network_in = excluded.network_in, network_out = excluded.network_out, uptime = excluded.uptime, updated_at = excluded.updated_at
    where instance_metrics.updated_at <= excluded.updated_at`);
}

/** A tenant's instances, latest sample each, with the product of the deployment that created them. */
export async function listInstanceMetrics(database: Database, tenantId: string): Promise<InstanceMetricsView[]> {
  const rows = await database.rows<{ instance_id: string; instance_type: string | null; cpu: number; memory: number; disk: number; network_in: number; network_out: number; uptime: number; updated_at: string | Date }>(sql`
    select m.instance_id, d.instance_type, m.cpu, m.memory, m.disk, m.network_in, m.network_out, m.uptime, m.updated_at
    from instance_metrics m left join deployments d on d.tenant_id = m.tenant_id and d.id = m.instance_id
    where m.tenant_id = ${tenantId} order by m.instance_id`);
  return rows.map((r) => ({ instanceId: r.instance_id, instanceType: r.instance_type, cpu: Number(r.cpu), memory: Number(r.memory), disk: Number(r.disk), networkIn: Number(r.network_in), networkOut: Number(r.network_out), uptime: Number(r.uptime), updatedAt: iso(r.updated_at) }));
}
