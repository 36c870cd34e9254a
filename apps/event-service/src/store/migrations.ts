/**
 * Schema migrations, in order, as SQL strings (so the bundled service carries them). Applied once each,
 * inside one transaction under an advisory lock, so several instances starting together are safe.
 * SQL stays within PostgreSQL 15 (the local server) although PGlite is 18.
 */
export const MIGRATIONS: ReadonlyArray<{ id: string; sql: string }> = [
  {
    id: '0001_events_outbox',
    sql: `
      CREATE TABLE events (
        pos bigserial NOT NULL,
        id uuid PRIMARY KEY,
        type text NOT NULL,
        tenant_id text,
        channel text NOT NULL,
        data jsonb NOT NULL,
        ts timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        seq bigint,
        published_at timestamptz,
        cf_offset bigint,
        cf_epoch text,
        search tsvector GENERATED ALWAYS AS (
          to_tsvector('simple', type) || jsonb_to_tsvector('simple', data, '["string", "numeric"]')
        ) STORED
      );
      CREATE UNIQUE INDEX events_pos_key ON events (pos);
      CREATE UNIQUE INDEX events_channel_seq_key ON events (channel, seq);
      CREATE INDEX events_channel_pos_idx ON events (channel, pos);
      CREATE INDEX events_created_at_idx ON events (created_at);
      CREATE INDEX events_search_idx ON events USING gin (search);

      CREATE TABLE outbox (
        pos bigint PRIMARY KEY,
        event_id uuid NOT NULL,
        channel text NOT NULL
      );

      CREATE TABLE channel_streams (
        channel text PRIMARY KEY,
        last_seq bigint NOT NULL
      );
    `,
  },
  {
    // Read models of use cases 1 and 2, kept by projectors inside the ingest transaction.
    id: '0002_deployments_notifications',
    sql: `
      CREATE TABLE deployments (
        tenant_id text NOT NULL,
        id text NOT NULL,
        instance_type text NOT NULL,
        instance_name text,
        status text NOT NULL,
        progress double precision NOT NULL,
        current_step text,
        steps jsonb NOT NULL,
        logs jsonb NOT NULL,
        log_count integer NOT NULL,
        error text,
        instance_url text,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX deployments_tenant_started_idx ON deployments (tenant_id, started_at DESC);
      CREATE INDEX deployments_eta_idx ON deployments (tenant_id, instance_type, finished_at DESC) WHERE status = 'completed';

      CREATE TABLE deployment_requests (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        instance_type text NOT NULL,
        instance_name text,
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        claimed_at timestamptz
      );
      CREATE INDEX deployment_requests_unclaimed_idx ON deployment_requests (requested_at) WHERE claimed_at IS NULL;

      CREATE TABLE notifications (
        nseq bigserial NOT NULL,
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        type text NOT NULL,
        status text,
        amount double precision,
        currency text,
        message text,
        details jsonb NOT NULL,
        created_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX notifications_nseq_key ON notifications (nseq);
      CREATE INDEX notifications_tenant_nseq_idx ON notifications (tenant_id, nseq DESC);

      CREATE TABLE notification_reads (
        user_id text NOT NULL,
        notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        read_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, notification_id)
      );

      CREATE TABLE notification_watermarks (
        user_id text NOT NULL,
        tenant_id text NOT NULL,
        read_all_before bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, tenant_id)
      );

      CREATE TABLE usage_alert_levels (
        tenant_id text NOT NULL,
        resource text NOT NULL,
        period text NOT NULL,
        threshold integer NOT NULL,
        PRIMARY KEY (tenant_id, resource, period)
      );
    `,
  },
  {
    id: '0100_presence',
    sql: `
      CREATE TABLE presence_status (
        tenant_id text NOT NULL,
        user_id text NOT NULL,
        user_name text NOT NULL,
        status text NOT NULL,
        current_page text,
        last_seen timestamptz NOT NULL DEFAULT now(),
        online boolean NOT NULL DEFAULT true,
        PRIMARY KEY (tenant_id, user_id)
      );
      CREATE INDEX presence_status_online_idx ON presence_status (tenant_id) WHERE online;
    `,
  },
  {
    id: '0101_monitoring',
    sql: `
      CREATE TABLE alerts (
        scope text NOT NULL,
        alert_id text NOT NULL,
        tenant_id text,
        rule text NOT NULL,
        severity text NOT NULL,
        state text NOT NULL,
        message text NOT NULL,
        value double precision,
        threshold double precision,
        instance_id text,
        opened_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        resolved_at timestamptz,
        PRIMARY KEY (scope, alert_id)
      );
      CREATE INDEX alerts_open_idx ON alerts (scope, opened_at DESC) WHERE state = 'open';

      CREATE TABLE alert_rule_state (
        subject text NOT NULL,
        rule text NOT NULL,
        over_since bigint,
        open_severity text,
        opened_at bigint,
        PRIMARY KEY (subject, rule)
      );

      CREATE TABLE instance_metrics (
        tenant_id text NOT NULL,
        instance_id text NOT NULL,
        cpu double precision NOT NULL,
        memory double precision NOT NULL,
        disk double precision NOT NULL,
        network_in double precision NOT NULL,
        network_out double precision NOT NULL,
        uptime double precision NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, instance_id)
      );
    `,
  },
  {
    id: '0102_access',
    sql: `
      CREATE TABLE access_permissions (
        user_id text PRIMARY KEY,
        permissions jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE tenant_suspensions (
        tenant_id text PRIMARY KEY,
        suspended_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE known_users (
        user_id text PRIMARY KEY,
        name text NOT NULL,
        tenant_id text,
        roles jsonb NOT NULL
      );
      CREATE INDEX known_users_tenant_idx ON known_users (tenant_id);
    `,
  },
  {
    // Operators' changes carry a version from one sequence, written under one advisory lock (so versions
    // commit in order) and read incrementally by every instance. Suspensions become rows with a flag, so
    // that lifting one is a change the others can see.
    id: '0110_operator_access',
    sql: `
      CREATE SEQUENCE access_version_seq;
      ALTER TABLE access_permissions ADD COLUMN version bigint NOT NULL DEFAULT nextval('access_version_seq');
      ALTER TABLE tenant_suspensions ADD COLUMN suspended boolean NOT NULL DEFAULT true;
      ALTER TABLE tenant_suspensions ADD COLUMN version bigint NOT NULL DEFAULT nextval('access_version_seq');
      CREATE INDEX access_permissions_version_idx ON access_permissions (version);
      CREATE INDEX tenant_suspensions_version_idx ON tenant_suspensions (version);
      CREATE TABLE user_revocations (
        user_id text PRIMARY KEY,
        revoked_before timestamptz NOT NULL,
        version bigint NOT NULL DEFAULT nextval('access_version_seq')
      );
      CREATE INDEX user_revocations_version_idx ON user_revocations (version);
      CREATE TABLE ingest_keys (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        event_types jsonb NOT NULL,
        tenants jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        version bigint NOT NULL DEFAULT nextval('access_version_seq')
      );
      CREATE INDEX ingest_keys_version_idx ON ingest_keys (version);
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'ingest_key')),
        actor_id text NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        tenant_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      );
      CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
      CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, at DESC, id DESC);
      CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC, id DESC);
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
    `,
  },
  {
    // Read routes look up a channel's pending events (the stream join); without this each read scanned
    // the whole outbox, so a backlog made every tenant's reads slow.
    id: '0120_outbox_channel',
    sql: `
      CREATE INDEX outbox_channel_pos_idx ON outbox (channel, pos);
    `,
  },
  {
    // Issue 19: every read walks an index in the order it returns and stops at the page. History ranges
    // that the newest-first walk cannot finish are answered from (channel, ts, pos) without touching the
    // heap. Notification pages walk (tenant_id, nseq) ascending, so that a row comparison can bound the
    // walk on both ends (a DESC column cannot take part in one). CREATE INDEX blocks ingest while it
    // builds: on a large events table, apply this migration in a quiet hour. A search reads all of the
    // GIN index's pending list (new entries not yet merged; up to 4 MB by default, ~15 ms): 256 kB keeps
    // that small, at the price of more frequent, smaller merges by the inserting transaction.
    id: '0190_bounded_reads',
    sql: `
      CREATE INDEX events_channel_ts_pos_idx ON events (channel, ts, pos);
      ALTER INDEX events_search_idx SET (gin_pending_list_limit = 256);
      CREATE INDEX notifications_tenant_nseq_asc_idx ON notifications (tenant_id, nseq);
      CREATE INDEX notifications_tenant_type_nseq_idx ON notifications (tenant_id, type, nseq);
      DROP INDEX notifications_tenant_nseq_idx;
      CREATE INDEX deployments_tenant_started_id_idx ON deployments (tenant_id, started_at DESC, id);
      DROP INDEX deployments_tenant_started_idx;
    `,
  },
  {
    // Unread counts are kept, not counted: unread = total - read_below - read_above, where total counts
    // the tenant's notifications, read_below those at or under the user's read-all watermark (counted
    // once, when it was set) and read_above those marked read one by one above it. Backfilled here.
    id: '0191_notification_counts',
    sql: `
      CREATE TABLE notification_counts (
        tenant_id text PRIMARY KEY,
        total bigint NOT NULL
      );
      INSERT INTO notification_counts (tenant_id, total) SELECT tenant_id, count(*) FROM notifications GROUP BY tenant_id;
      ALTER TABLE notification_watermarks ADD COLUMN read_below bigint NOT NULL DEFAULT 0;
      ALTER TABLE notification_watermarks ADD COLUMN read_above bigint NOT NULL DEFAULT 0;
      INSERT INTO notification_watermarks (user_id, tenant_id, read_all_before)
        SELECT DISTINCT r.user_id, n.tenant_id, 0 FROM notification_reads r JOIN notifications n ON n.id = r.notification_id
        ON CONFLICT (user_id, tenant_id) DO NOTHING;
      DELETE FROM notification_reads r USING notifications n, notification_watermarks w
        WHERE n.id = r.notification_id AND w.user_id = r.user_id AND w.tenant_id = n.tenant_id AND n.nseq <= w.read_all_before;
      UPDATE notification_watermarks w SET
        read_below = (SELECT count(*) FROM notifications n WHERE n.tenant_id = w.tenant_id AND n.nseq <= w.read_all_before),
        read_above = (SELECT count(*) FROM notification_reads r JOIN notifications n ON n.id = r.notification_id
                      WHERE r.user_id = w.user_id AND n.tenant_id = w.tenant_id);
    `,
  },
  {
    // The fast path: events are numbered in their ingest transaction and published from memory after it
    // commits; the outbox carries the number, so a publisher can tell whether a channel's earlier events
    // are all out (the check that keeps Centrifugo's order per channel across instances).
    // The relay, now the fallback, leaves young rows to the fast path: "at" says how young.
    id: '0200_outbox_seq',
    sql: `
      ALTER TABLE outbox ADD COLUMN seq bigint;
      ALTER TABLE outbox ADD COLUMN at timestamptz NOT NULL DEFAULT now();
      UPDATE outbox o SET seq = e.seq FROM events e WHERE e.pos = o.pos AND e.seq IS NOT NULL;
      CREATE INDEX outbox_channel_seq_idx ON outbox (channel, seq);
      CREATE INDEX outbox_at_idx ON outbox (at);
    `,
  },
  {
    // Issue 16, the use-case document's gaps. Texts as code + parameters (alerts, deployment errors);
    // a deployment's size from the request to its state; one presence per person across devices (the
    // status they chose, and each device's activity); a version of each user's read state (bumped by
    // every mark, under the row's lock, so the user's devices apply read-state messages in commit order);
    // instances that stop reporting (their learned
    // interval, when their latest sample arrived by the database's clock, and the status last announced,
    // so that each change is announced once); history by user: the events that name one
    // (presence updates, deployment starts; USER_SUBJECT_FIELDS), a partial index so it costs the other
    // events nothing but the predicate (its expression must stay SUBJECT of history-store.ts, verbatim).
    id: '0216_use_case_gaps',
    sql: `
      ALTER TABLE alerts ADD COLUMN code text;
      ALTER TABLE alerts ADD COLUMN params jsonb;
      ALTER TABLE deployments ADD COLUMN size text;
      ALTER TABLE deployments ADD COLUMN error_code text;
      ALTER TABLE deployments ADD COLUMN error_params jsonb;
      ALTER TABLE deployment_requests ADD COLUMN size text;
      ALTER TABLE notification_watermarks ADD COLUMN version bigint NOT NULL DEFAULT 0;
      ALTER TABLE presence_status ADD COLUMN choice text NOT NULL DEFAULT 'online';
      CREATE TABLE presence_devices (
        tenant_id text NOT NULL,
        user_id text NOT NULL,
        device_id text NOT NULL,
        away boolean NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id, device_id)
      );
      ALTER TABLE instance_metrics ADD COLUMN interval_ms integer;
      ALTER TABLE instance_metrics ADD COLUMN received_at timestamptz NOT NULL DEFAULT now();
      ALTER TABLE instance_metrics ADD COLUMN announced text NOT NULL DEFAULT 'online';
      CREATE INDEX events_subject_pos_idx ON events ((coalesce(data->>'userId', data->>'requestedBy')), pos)
        WHERE coalesce(data->>'userId', data->>'requestedBy') IS NOT NULL;
    `,
  },
  {
    // Issue 14: an event row is written once. `published_at` was stamped after each publish (an UPDATE
    // that rewrote the row, recomputed its search vector and, with full pages, touched every index: as
    // much PostgreSQL work per event as the insert) and never read; the outbox row's deletion already
    // says "published". `cf_offset` and `cf_epoch` were never written. Dropping a column is a catalog
    // change only.
    id: '0230_events_written_once',
    sql: `
      ALTER TABLE events DROP COLUMN published_at;
      ALTER TABLE events DROP COLUMN cf_offset;
      ALTER TABLE events DROP COLUMN cf_epoch;
    `,
  },
  {
    // Issue 14: the ingest transaction's COMMIT is sent together with its last statement (pipelined), so
    // that statement must itself fail when the transaction has to be undone; this lets SQL raise an error
    // that names the reason (SQLSTATE NEODP: an event id was stored already). On one line: migrations are
    // split into statements at a semicolon that ends a line.
    id: '0240_append_guard',
    sql: `
      CREATE OR REPLACE FUNCTION neo_assert_appended(ok boolean) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN IF NOT ok THEN RAISE EXCEPTION 'an event id was stored already; retry' USING ERRCODE = 'NEODP'; END IF; RETURN true; END $$;
    `,
  },
  {
    // Issue 14: the metrics projector remembers each instance's state as of its last commit instead of
    // reading it under lock in every ingest transaction. `version` counts the writes of an instance's
    // state (its row and its alert rules' states): the write checks the version it started from, and SQL
    // raises (SQLSTATE NEOCS) when another transaction changed the state since; the request is then tried
    // again the careful way. On one line: see 0240.
    id: '0250_instance_state_version',
    sql: `
      ALTER TABLE instance_metrics ADD COLUMN version bigint NOT NULL DEFAULT 1;
      CREATE OR REPLACE FUNCTION neo_assert_state(ok boolean) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN IF NOT ok THEN RAISE EXCEPTION 'an instance state changed since it was read; retry' USING ERRCODE = 'NEOCS'; END IF; RETURN true; END $$;
    `,
  },
];
