// Bulk data for the history-at-scale checks (the B7 benchmark and the query-plan tests): SQL that
// writes, with generate_series, the rows the event service itself writes for billing invoices (events
// with their stream sequence, as relayed; one notification each, the kept counts), deployments, and
// other channels' events around them. Loading 1,000,000 events through POST /v1/events would take
// longer than the benchmark itself; the shape is the service's, only the path is shorter. Run against
// a database the service has migrated; PostgreSQL 15 SQL, so PGlite runs it too.

/** Words of the generated invoices, and how often each occurs among the channel's events. */
export const HISTORY_WORDS = {
  /** In every invoice. */
  common: 'factura',
  /** In one invoice of 200. */
  medium: 'trimestral',
  /** In one invoice of 100,000 (and in the 7th). */
  rare: 'reembolso',
};

/** Every event of the channel lies between these instants; `ts` grows with `pos`. */
export const HISTORY_SPAN_DAYS = 29;

/**
 * @typedef {{
 *   events: number,
 *   channel?: string,
 *   tenantId?: string,
 *   interleaved?: number,
 *   trailing?: number,
 *   deployments?: number,
 *   expired?: number,
 * }} HistoryDataOptions
 * `events`: events of `channel` (default billing:acme); `interleaved`: one event of another channel
 * after every this many (0 = none; default 10); `trailing`: events of other channels written after
 * all of them, and as many notifications of another tenant (the newest rows of the tables belong to
 * someone else: the case where the planner's statistics mislead it most); `deployments`: rows of the
 * tenant's deployments read model (default events / 100, at least 20); `expired`: events of another
 * channel 40 days old, written first (for retention to delete).
 */

/** A v7-shaped UUID (time-ordered prefix) from a timestamp expression and a unique key expression. */
const uuidV7 = (tsExpr, keyExpr) =>
  `(lpad(to_hex(floor(extract(epoch from ${tsExpr}) * 1000)::bigint), 12, '0') || '7' || substr(md5(${keyExpr} || 'a'), 1, 3) || '8' || substr(md5(${keyExpr}), 1, 15))::uuid`;

const sqlText = (s) => `'${String(s).replace(/'/g, "''")}'`;

/** The statements, in order. Run each on its own (the extended protocol takes one at a time). */
export function historyDataStatements(/** @type {HistoryDataOptions} */ o) {
  const channel = o.channel ?? 'billing:acme';
  const tenant = o.tenantId ?? 'acme';
  const n = o.events;
  const every = o.interleaved ?? 10;
  const trailing = o.trailing ?? 0;
  const deployments = o.deployments ?? Math.max(20, Math.floor(n / 100));
  const expired = o.expired ?? 0;
  // Rows i = 1..total, where every (every+1)-th belongs to another channel; b = the channel's own index.
  const total = every > 0 ? n + Math.floor((n - 1) / every) : n;
  // Whole milliseconds, so that a timestamp read back and sent as an ISO date bounds a range exactly.
  const step = `(interval '1 millisecond' * ${Math.floor((HISTORY_SPAN_DAYS * 86_400_000) / (total + trailing))})`;
  const start = `(date_trunc('second', now()) - interval '${HISTORY_SPAN_DAYS} days' - interval '1 hour')`;
  const isOther = every > 0 ? `(i % ${every + 1} = 0)` : 'false';
  const b = every > 0 ? `(i - i / ${every + 1})` : 'i';
  const metrics = (i) => `jsonb_build_object('instanceId', 'i-' || (${i} % 7), 'cpu', 41.5, 'memory', 62.25, 'disk', 30, 'networkIn', ${i}, 'networkOut', 12, 'uptime', 3600)`;
  const invoice = `jsonb_build_object('invoiceId', 'INV-' || ${b}, 'amount', 100 + (${b} % 900), 'currency', 'MXN', 'status', 'pending',
      'message', case when ${b} % 100000 = 7 then 'Reembolso extraordinario de ' || ${b}
                      when ${b} % 200 = 3 then 'Factura trimestral de almacenamiento'
                      else 'Factura mensual de servicios' end)`;
  const statements = [];
  if (expired > 0) {
    const old = `(now() - interval '40 days' + i * interval '1 millisecond')`;
    statements.push(`
      insert into events (id, type, tenant_id, channel, data, ts, created_at, seq)
      select ${uuidV7(old, `'x' || i`)}, 'metrics_update', 'globex', 'metrics:globex', ${metrics('i')}, ${old}, ${old}, i
      from generate_series(1, ${expired}) i
      order by i`);
  }
  statements.push(`
    insert into events (id, type, tenant_id, channel, data, ts, created_at, seq)
    select ${uuidV7(`(${start} + i * ${step})`, `'m' || i`)},
           case when ${isOther} then 'metrics_update' else 'billing_invoice' end,
           case when ${isOther} then 'globex' else ${sqlText(tenant)} end,
           case when ${isOther} then 'metrics:globex' else ${sqlText(channel)} end,
           case when ${isOther} then ${metrics('i')} else ${invoice} end,
           ${start} + i * ${step}, ${start} + i * ${step},
           case when ${isOther} then ${expired} + i / ${every + 1} else ${b} end
    from generate_series(1, ${total}) i
    order by i`);
  if (trailing > 0) {
    statements.push(`
      insert into events (id, type, tenant_id, channel, data, ts, created_at, seq)
      select ${uuidV7(`(${start} + (${total} + i) * ${step})`, `'t' || i`)}, 'metrics_update', 't' || (i % 20), 'metrics:t' || (i % 20), ${metrics('i')},
             ${start} + (${total} + i) * ${step}, ${start} + (${total} + i) * ${step}, i / 20 + 1
      from generate_series(1, ${trailing}) i
      order by i`);
  }
  statements.push(
    `insert into channel_streams (channel, last_seq) values (${sqlText(channel)}, ${n}), ('metrics:globex', ${expired + Math.floor(total / (every + 1 || 1))})
     on conflict (channel) do update set last_seq = excluded.last_seq`,
    `insert into notifications (id, tenant_id, type, status, amount, currency, message, details, created_at)
     select id, tenant_id, type, data->>'status', (data->>'amount')::float8, data->>'currency', data->>'message', jsonb_build_object('invoiceId', data->>'invoiceId'), ts
     from events where channel = ${sqlText(channel)} order by pos`,
    ...(trailing > 0
      ? [`insert into notifications (id, tenant_id, type, status, amount, currency, message, details, created_at)
          select ${uuidV7('now()', `'n' || i`)}, 'globex', 'billing_payment', 'approved', 10, 'USD', null, jsonb_build_object('paymentId', 'PAY-' || i), now()
          from generate_series(1, ${trailing}) i order by i`]
      : []),
    `insert into notification_counts (tenant_id, total) select tenant_id, count(*) from notifications group by tenant_id
     on conflict (tenant_id) do update set total = excluded.total`,
    ...(deployments === 0 ? [] : [`insert into deployments (tenant_id, id, instance_type, instance_name, status, progress, current_step, steps, logs, log_count, error, instance_url, started_at, finished_at, updated_at, version)
     select ${sqlText(tenant)}, 'dep-' || i, (array['odoo', 'netbox', 'wazuh'])[1 + i % 3], 'instancia-' || i, 'completed', 100, null,
            '["Preparando","Creando contenedor","Configurando base de datos","Iniciando servicios","Verificando"]'::jsonb,
            (select jsonb_agg('[' || k || '] paso completado para instancia-' || i) from generate_series(1, 20) k), 20, null,
            'https://instancia-' || i || '.example.com', ${start} + i * (interval '${HISTORY_SPAN_DAYS} days' / ${deployments}),
            ${start} + i * (interval '${HISTORY_SPAN_DAYS} days' / ${deployments}) + interval '3 minutes',
            ${start} + i * (interval '${HISTORY_SPAN_DAYS} days' / ${deployments}) + interval '3 minutes', 7
     from generate_series(1, ${deployments}) i`]),
  );
  return statements.map((s) => s.trim());
}
