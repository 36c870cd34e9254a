import { bigint, bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/**
 * Every accepted event, durably. `pos` orders events globally (ingest order); `seq` is the event's place
 * in its channel's stream, given by the relay; `cf_offset`/`cf_epoch` is where Centrifugo put it.
 * `search` (full-text, generated) is created by the migration, not modelled here.
 */
export const events = pgTable(
  'events',
  {
    pos: bigserial('pos', { mode: 'number' }).notNull(),
    id: uuid('id').primaryKey(),
    type: text('type').notNull(),
    tenantId: text('tenant_id'),
    channel: text('channel').notNull(),
    data: jsonb('data').notNull(),
    ts: timestamp('ts', { withTimezone: true, mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    seq: bigint('seq', { mode: 'number' }),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'string' }),
    cfOffset: bigint('cf_offset', { mode: 'number' }),
    cfEpoch: text('cf_epoch'),
  },
  (t) => [
    uniqueIndex('events_pos_key').on(t.pos),
    uniqueIndex('events_channel_seq_key').on(t.channel, t.seq),
    index('events_channel_pos_idx').on(t.channel, t.pos),
    index('events_created_at_idx').on(t.createdAt),
  ],
);

/** Events stored but not yet relayed to Centrifugo, in ingest order. */
export const outbox = pgTable('outbox', {
  pos: bigint('pos', { mode: 'number' }).primaryKey(),
  eventId: uuid('event_id').notNull(),
  channel: text('channel').notNull(),
});

/** The last stream sequence given per channel. */
export const channelStreams = pgTable('channel_streams', {
  channel: text('channel').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
});

export const schemaMigrations = pgTable('schema_migrations', {
  id: text('id').primaryKey(),
  appliedAt: timestamp('applied_at', { withTimezone: true, mode: 'string' }).notNull().default(sql`now()`),
});
