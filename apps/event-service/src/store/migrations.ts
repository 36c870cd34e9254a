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
];
