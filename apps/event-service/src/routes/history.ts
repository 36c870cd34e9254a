import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { historyPageSchema, historyQuerySchema, topicOf, type HistoryPage, type StreamPosition } from '@neo/contracts';
import { AppError } from '../errors';
import { eventsAfterSeq } from '../store/event-store';
import { queryHistory, queryHistoryOver, type HistoryEvent, type HistoryQuery } from '../store/history-store';
import type { Database } from '../store/database';
import type { CentrifugoClient } from '../centrifugo/client';

import { builtAnswerSerializer, responses } from './responses';

const encodeCursor = (pos: number) => Buffer.from(`p:${pos}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const m = /^p:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new AppError('ERR_INVALID_CURSOR', 'the cursor is not one this API gave out', { errors: [{ path: 'query.cursor', message: 'malformed cursor' }] });
  return Number(m[1]);
}

type CostedQuery = { channel?: string; q?: string; afterSeq?: unknown; from?: string; to?: string; type?: unknown; userId?: string };
/** Searches, catch-up and filters read more than a page; a search over every channel reads one per channel. */
function historyCost(q: CostedQuery): number {
  const base = q.q ? 5 : q.afterSeq !== undefined || q.from || q.to || q.type !== undefined || q.userId !== undefined ? 3 : 2;
  return q.channel === undefined ? Math.min(5, base + 2) : base;
}

const invalid = (path: string, message: string, detail: string) => new AppError('ERR_VALIDATION', detail, { errors: [{ path, message }] });

/** `GET /v1/history`: stored events of one channel or of every channel the caller may read, newest first, under THE policy. */
export const historyRoutes: FastifyPluginAsyncZod<{ database: Database; centrifugo: CentrifugoClient }> = async (app, { database, centrifugo }) => {
  app.get(
    '/v1/history',
    {
      onRequest: app.authenticate,
      config: { rateCost: (request) => historyCost(request.query as CostedQuery) },
      serializerCompiler: builtAnswerSerializer,
      schema: {
        tags: ['history'],
        summary: 'Stored events, newest first: one channel or every channel the caller may read; full-text `q`, `type`, `userId`, date range, cursor pages',
        description:
          'Without `channel`, the search covers every channel the access policy lets the caller read (a member: their tenant’s topics they hold the permission for; an operator: every channel), and each item names its `channel`. ' +
          '`type` takes comma-separated event types; `userId` keeps the events about or by that user (`presence_update.userId`, `deployment_start.requestedBy`). ' +
          'With `afterSeq` (needs `channel`), returns the events after that stream sequence oldest first (what a reconnecting client missed).',
        querystring: historyQuerySchema,
        response: responses({ 200: historyPageSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request): Promise<HistoryPage> => {
      const query = request.query;
      // Both are canonical UTC strings (the contract normalised them), so they compare as text.
      const { from, to } = query;
      if (from && to && from > to) throw invalid('query.from', 'must not be after "to"', '"from" is after "to"');
      if (query.q !== undefined && query.q.trim() === '') throw invalid('query.q', 'empty search', '"q" is empty');
      if (query.afterSeq !== undefined && query.channel === undefined) throw invalid('query.afterSeq', 'needs "channel"', 'catch-up ("afterSeq") reads one channel');
      const channel = query.channel === undefined ? null : app.authorizeChannel(request, 'read', query.channel);
      if (channel && query.afterSeq !== undefined) {
        const events = await eventsAfterSeq(database, channel.name, query.afterSeq, query.limit);
        return { items: events.map((e) => ({ ...e.envelope, channel: channel.name })), nextCursor: null };
      }
      const beforePos = query.cursor ? decodeCursor(query.cursor) : undefined;
      const filters: Omit<HistoryQuery, 'channel'> = { q: query.q?.trim(), from, to, types: query.type, userId: query.userId, limit: query.limit + 1, beforePos };
      let events: HistoryEvent[];
      let position: StreamPosition | null | undefined;
      if (channel) {
        position = beforePos === undefined ? await centrifugo.position(channel.name).catch(() => null) : undefined;
        events = await queryHistory(database, { ...filters, channel: channel.name });
      } else {
        const readable = app.readableChannels(request);
        if (readable === 'every') events = await queryHistory(database, filters);
        else {
          // A type narrows the search to the channels of its topic: no read of a channel it cannot be in.
          const topics = query.type ? new Set(query.type.map(topicOf)) : null;
          events = await queryHistoryOver(database, topics ? readable.filter((ch) => topics.has(ch.slice(0, ch.indexOf(':')) as never)) : readable, filters);
        }
      }
      const page = events.slice(0, query.limit);
      const nextCursor = events.length > query.limit ? encodeCursor(page[page.length - 1]!.pos) : null;
      return { items: page.map((e) => ({ ...e.envelope, channel: e.channel })), nextCursor, ...(position !== undefined ? { position } : {}) };
    },
  );
};
