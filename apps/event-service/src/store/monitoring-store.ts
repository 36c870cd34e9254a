import { sql } from 'drizzle-orm';
import { instanceStatusAt, INSTANCE_DEFAULT_INTERVAL_MS, INSTANCE_MIN_STALE_MS, INSTANCE_STALE_AFTER_INTERVALS, type AlertSeverity, type AlertView, type InstanceMetricsView, type InstanceStatus } from '@neo/contracts';
import { executePrepared, joinColumns, joinOf, rowsOf, type DeferredWrite, type Tx, type StreamJoin } from './sql';
import { type Database } from './database';

/** The scope of an alert: a tenant id, or '' for the platform (admin:alerts). */
export const PLATFORM_SCOPE = '';

/** The routes' shape of an alert, shared with the portal through the contract. */
export type AlertRow = AlertView;

/** Where one rule stands for one subject (monitoring/alert-rules); kept in memory for the host, in the database for tenant instances. */
export interface RuleState {
  /** When the value first went over the warning threshold in the current streak (ms). */
  overSince: number | null;
  /** The severity the alert is open with; null when closed. */
  open: AlertSeverity | null;
  /** When the open alert opened (ms); names the alert. */
  openedAt: number | null;
}

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

/** A sample as stored; the routes add the instance type and whether it reports (InstanceMetricsView). */
export type InstanceMetrics = Omit<InstanceMetricsView, 'instanceType' | 'status' | 'receivedAt' | 'intervalMs'>;

/** What the last transaction left of an instance: its latest sample's time, learned interval, status last announced. */
export interface InstanceTrack {
  updatedAt: string;
  intervalMs: number | null;
  announced: InstanceStatus;
  /** How many writes the instance's state (this row and its rule states) has had: what instanceStateWrite checks. */
  version: number;
}

const key = (tenantId: string, instanceId: string) => `${tenantId}/${instanceId}`;

/**
 * Loads and locks, in ONE statement, what the instance-metrics projector needs of several instances:
 * each instance's track and its alert rules' states (keyed by `tenantId/instanceId`, the rule states'
 * subject). One statement rather than one per table because this runs inside every ingest transaction
 * that carries metrics, and on this kind of host a round trip to PostgreSQL costs the service more CPU
 * (~0.1 ms, in the socket write) than the statement costs the server. Locks are taken in a fixed order
 * (instances by key, then rule states by subject and rule), as before, so two transactions never wait on
 * each other crosswise.
 */
export async function lockInstanceState(
  tx: Tx,
  instances: Array<{ tenantId: string; instanceId: string }>,
): Promise<{ tracks: Map<string, InstanceTrack>; rules: Map<string, Map<string, RuleState>> }> {
  const rules = new Map<string, Map<string, RuleState>>(instances.map((i) => [key(i.tenantId, i.instanceId), new Map()]));
  if (instances.length === 0) return { tracks: new Map(), rules };
  type Row = {
    kind: 'instance' | 'rule';
    tenant_id: string | null;
    instance_id: string | null;
    updated_at: string | Date | null;
    interval_ms: number | null;
    announced: InstanceStatus | null;
    version: number | string | null;
    subject: string | null;
    rule: string | null;
    over_since: string | number | null;
    open_severity: AlertSeverity | null;
    opened_at: string | number | null;
  };
  // Arrays as parameters: one statement text whatever the number of instances (prepared once per connection).
  const rows = rowsOf<Row>(
    await executePrepared(tx, 'neo_lock_instance_state', sql`
      with inst as (
        -- One primary-key probe per instance, in key order (the lock order). Not \`(tenant_id, instance_id)
        -- in (select … unnest …)\`: made on a new database's empty tables, that statement's generic plan
        -- was a hash join over a sequential scan of instance_metrics, kept as the table grew
        -- (ingest-plans.test.ts). A subquery that locks is never flattened into a join, so this stays a probe.
        select m.* from (select * from unnest(${sql.param(instances.map((i) => i.tenantId))}::text[], ${sql.param(instances.map((i) => i.instanceId))}::text[]) as u(tenant_id, instance_id) order by 1, 2) u
        cross join lateral (
          select tenant_id, instance_id, updated_at, interval_ms, announced, version from instance_metrics
          where tenant_id = u.tenant_id and instance_id = u.instance_id for update
        ) m
      ), rule_states as (
        select subject, rule, over_since, open_severity, opened_at from alert_rule_state
        where subject = any(${sql.param([...rules.keys()])}::text[])
        order by subject, rule for update
      )
      select 'instance' as kind, tenant_id, instance_id, updated_at, interval_ms, announced, version,
             null::text as subject, null::text as rule, null::bigint as over_since, null::text as open_severity, null::bigint as opened_at
      from inst
      union all
      select 'rule', null, null, null, null, null, null, subject, rule, over_since, open_severity, opened_at from rule_states`),
  );
  const tracks = new Map<string, InstanceTrack>();
  for (const r of rows) {
    if (r.kind === 'instance') {
      tracks.set(key(r.tenant_id!, r.instance_id!), { updatedAt: iso(r.updated_at!), intervalMs: r.interval_ms === null ? null : Number(r.interval_ms), announced: r.announced!, version: Number(r.version) });
    } else {
      rules.get(r.subject!)?.set(r.rule!, { overSince: r.over_since === null ? null : Number(r.over_since), open: r.open_severity, openedAt: r.opened_at === null ? null : Number(r.opened_at) });
    }
  }
  return { tracks, rules };
}

/** The upsert's SET: the sample's figures when it is not older than the row's, else the row's own. */
const SAMPLE_OR_ROW = sql.raw(
  ['cpu', 'memory', 'disk', 'network_in', 'network_out', 'uptime', 'updated_at', 'interval_ms', 'received_at', 'announced']
    .map((c) => `${c} = case when instance_metrics.updated_at <= excluded.updated_at then excluded.${c} else instance_metrics.${c} end`)
    .join(', '),
);

/**
 * The write of several instances' latest sample (an older sample never overwrites a newer one), with the
 * interval learned so far, and of the rule states that changed, as ONE statement's common table
 * expressions (see lockInstanceState for why one): the ingest transaction's append statement carries it
 * (DeferredWrite), or it runs on its own (executeDeferred). The instance reports again, so it is `online`
 * from now (`received_at`, the database's clock, is what staleness is measured from). Null when there is
 * nothing to write.
 *
 * Every write adds one to the instance's `version`, an older sample's too (its rule states may change).
 * `expectedVersion` is the version the caller's state was read at (null: not read, the row did not
 * exist): the guard raises (SQLSTATE NEOCS) when a row's version is not one more than that, i.e. when
 * another transaction wrote the state since, and the whole transaction fails. Instance rows are locked
 * before rule states, each in key order, as lockInstanceState does: two transactions never wait on each
 * other crosswise.
 */
export function instanceStateWrite(
  samples: Array<{ tenantId: string; m: InstanceMetrics; intervalMs: number | null; expectedVersion: number | null }>,
  states: Array<{ subject: string; rule: string; state: RuleState }>,
): DeferredWrite | null {
  if (samples.length === 0 && states.length === 0) return null;
  // Arrays as parameters: one statement text whatever the batch (prepared once per connection).
  const col = <T>(f: (x: (typeof samples)[number]) => T) => sql.param(samples.map(f));
  const st = <T>(f: (x: (typeof states)[number]) => T) => sql.param(states.map(f));
  return {
    name: 'neo_save_instance_state',
    ctes: sql`
    instance_samples as (
      insert into instance_metrics (tenant_id, instance_id, cpu, memory, disk, network_in, network_out, uptime, updated_at, interval_ms, received_at, announced, version)
      select u.tenant_id, u.instance_id, u.cpu, u.memory, u.disk, u.network_in, u.network_out, u.uptime, u.updated_at, u.interval_ms, now(), 'online', 1
      from unnest(${col((x) => x.tenantId)}::text[], ${col((x) => x.m.instanceId)}::text[], ${col((x) => x.m.cpu)}::float8[], ${col((x) => x.m.memory)}::float8[],
                           ${col((x) => x.m.disk)}::float8[], ${col((x) => x.m.networkIn)}::float8[], ${col((x) => x.m.networkOut)}::float8[], ${col((x) => x.m.uptime)}::float8[],
                           ${col((x) => x.m.updatedAt)}::timestamptz[], ${col((x) => x.intervalMs)}::integer[])
             as u(tenant_id, instance_id, cpu, memory, disk, network_in, network_out, uptime, updated_at, interval_ms)
      order by u.tenant_id, u.instance_id
      on conflict (tenant_id, instance_id) do update set ${SAMPLE_OR_ROW}, version = instance_metrics.version + 1
      returning tenant_id, instance_id, version
    ), instance_rule_states as (
      -- Reads the instance rows' result first (all of it: count), so they are locked before any rule state.
      insert into alert_rule_state (subject, rule, over_since, open_severity, opened_at)
      select u.* from unnest(${st((x) => x.subject)}::text[], ${st((x) => x.rule)}::text[], ${st((x) => x.state.overSince)}::bigint[],
                           ${st((x) => x.state.open)}::text[], ${st((x) => x.state.openedAt)}::bigint[]) as u(subject, rule, over_since, open_severity, opened_at)
      where (select count(*) from instance_samples) >= 0
      order by u.subject, u.rule
      on conflict (subject, rule) do update set over_since = excluded.over_since, open_severity = excluded.open_severity, opened_at = excluded.opened_at
    )`,
    guard: sql`select neo_assert_state(count(*) = ${samples.length}::int and coalesce(bool_and(x.expected is null or s.version = x.expected + 1), true))
      from instance_samples s join unnest(${col((x) => x.tenantId)}::text[], ${col((x) => x.m.instanceId)}::text[], ${col((x) => x.expectedVersion)}::bigint[]) as x(tenant_id, instance_id, expected)
      using (tenant_id, instance_id)`,
  };
}

/**
 * Records that `status` was announced for the instance, if its latest sample is still the one the
 * announcement is about (`lastReportAt`); false when a newer sample came in meanwhile (then the
 * announcement is stale and must not be stored). A write of the instance's state: its version moves, so
 * a metrics projector that remembers the state reads it again (instanceMetricsProjector).
 */
export async function markAnnounced(tx: Tx, tenantId: string, instanceId: string, status: InstanceStatus, lastReportAt: string): Promise<boolean> {
  const rows = rowsOf<{ instance_id: string }>(await tx.execute(sql`
    update instance_metrics set announced = ${status}, version = version + 1
    where tenant_id = ${tenantId} and instance_id = ${instanceId} and updated_at = ${lastReportAt}::timestamptz
    returning instance_id`));
  return rows.length === 1;
}

interface RawInstance {
  tenant_id: string;
  instance_id: string;
  instance_type?: string | null;
  cpu: number;
  memory: number;
  disk: number;
  network_in: number;
  network_out: number;
  uptime: number;
  updated_at: string | Date;
  received_at: string | Date;
  interval_ms: number | null;
  announced: InstanceStatus;
  now_ms: number | string;
}

/** The database's clock in ms, read with the rows: staleness compares two instants of one clock. */
const NOW_MS = sql`(extract(epoch from clock_timestamp()) * 1000)::float8 as now_ms`;
const intervalOf = (r: RawInstance) => (r.interval_ms === null ? null : Number(r.interval_ms));
const statusOf = (r: RawInstance) => instanceStatusAt(new Date(r.received_at).getTime(), intervalOf(r), Number(r.now_ms));

/** A tenant's instances, latest sample each, whether they report, and the product of the deployment that created them. */
export async function listInstanceMetrics(database: Database, tenantId: string): Promise<InstanceMetricsView[]> {
  const rows = await database.rows<RawInstance>(sql`
    select m.*, d.instance_type, ${NOW_MS}
    from instance_metrics m left join deployments d on d.tenant_id = m.tenant_id and d.id = m.instance_id
    where m.tenant_id = ${tenantId} order by m.instance_id`);
  return rows.map((r) => ({
    instanceId: r.instance_id,
    instanceType: r.instance_type ?? null,
    cpu: Number(r.cpu),
    memory: Number(r.memory),
    disk: Number(r.disk),
    networkIn: Number(r.network_in),
    networkOut: Number(r.network_out),
    uptime: Number(r.uptime),
    updatedAt: iso(r.updated_at),
    status: statusOf(r),
    receivedAt: iso(r.received_at),
    intervalMs: intervalOf(r),
  }));
}

/** An instance whose status changed since it was last announced: what the watcher announces. */
export interface InstanceChange {
  tenantId: string;
  instanceId: string;
  status: InstanceStatus;
  /** Its latest sample's timestamp (names the silence the change is about). */
  lastReportAt: string;
  receivedAt: string;
  intervalMs: number | null;
}

const RANK: Record<InstanceStatus, number> = { online: 0, stale: 1, offline: 2 };

/**
 * Instances gone quieter than their announced status says, oldest silence first, at most `limit`. Only
 * rows silent for at least the shortest stale threshold are read, and none already announced offline:
 * the instances that report are never looked at. (An instance comes back online with its next sample,
 * announced by the metrics projector in that sample's transaction.)
 */
export async function quietInstances(database: Database, limit: number): Promise<InstanceChange[]> {
  const rows = await database.rows<RawInstance>(sql`
    select *, ${NOW_MS} from instance_metrics
    where announced <> 'offline' and received_at < now() - ${INSTANCE_MIN_STALE_MS} * interval '1 millisecond'
    order by received_at limit ${limit}`);
  return rows
    .map((r) => ({ r, status: statusOf(r) }))
    .filter(({ r, status }) => RANK[status] > RANK[r.announced])
    .map(({ r, status }) => ({ tenantId: r.tenant_id, instanceId: r.instance_id, status, lastReportAt: iso(r.updated_at), receivedAt: iso(r.received_at), intervalMs: intervalOf(r) }));
}

/**
 * Instances that report now (online), per tenant: the "active instances" of the dashboards. The SQL
 * form of instanceStatusAt's first threshold (an instance is online until it is stale).
 */
export async function countReportingInstances(database: Database): Promise<Map<string, number>> {
  const rows = await database.rows<{ tenant_id: string; n: number | string }>(sql`
    select tenant_id, count(*)::int as n from instance_metrics
    where clock_timestamp() - received_at < greatest(${INSTANCE_MIN_STALE_MS}, ${INSTANCE_STALE_AFTER_INTERVALS} * coalesce(interval_ms, ${INSTANCE_DEFAULT_INTERVAL_MS})) * interval '1 millisecond'
    group by tenant_id`);
  return new Map(rows.map((r) => [r.tenant_id, Number(r.n)]));
}

/**
 * Deployments per tenant in the given states, from the deployments read model: `completed` ones are the
 * instances up and running, `starting`/`in_progress` the deployments under way.
 */
export async function countByStatus(database: Database, statuses: string[]): Promise<Map<string, number>> {
  const rows = await database.rows<{ tenant_id: string; n: number }>(sql`
    select tenant_id, count(*)::int as n from deployments where status in (${sql.join(statuses.map((st) => sql`${st}`), sql`, `)}) group by tenant_id`);
  return new Map(rows.map((r) => [r.tenant_id, Number(r.n)]));
}

/** Tenants the platform has seen: any deployment, alert or instance (bounded by the read models). */
export async function knownTenants(database: Database): Promise<string[]> {
  const result = await database.db.execute(sql`
    select tenant_id from deployments union select tenant_id from instance_metrics union select scope from alerts where scope <> '' limit 1000`);
  return rowsOf<{ tenant_id: string }>(result).map((r) => r.tenant_id);
}
