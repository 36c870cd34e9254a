import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { historyQuerySchema, type AnyEventEnvelope, type StreamPosition } from '@neo/contracts';
import { AppError } from '../errors';
import { eventsAfterSeq } from '../store/event-store';
import { queryHistory } from '../store/history-store';
import type { Database } from '../store/database';
import type { CentrifugoClient } from '../centrifugo/client';

export { MAX_QUERY_LENGTH } from '@neo/contracts';

export interface HistoryPage {
  items: AnyEventEnvelope[];
  nextCursor: string | null;
  /** The channel's Centrifugo stream position, read before the page (first page only; null if unknown). */
  position?: StreamPosition | null;
}

const encodeCursor = (pos: number) => Buffer.from(`p:${pos}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const m = /^p:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new AppError('ERR_INVALID_CURSOR', 'the cursor is not one this API gave out', { errors: [{ path: 'query.cursor', message: 'malformed cursor' }] });
  return Number(m[1]);
}

function historyCost(q: { q?: string; afterSeq?: unknown; from?: string; to?: string }): number {
  if (q.q) return 5;
  if (q.afterSeq !== undefined || q.from || q.to) return 3;
  return 2;
}

/** `GET /v1/history`: a channel's stored events, newest first, searchable, under THE policy. */
export const historyRoutes: FastifyPluginAsyncZod<{ database: Database; centrifugo: CentrifugoClient }> = async (app, { database, centrifugo }) => {
  app.get(
    '/v1/history',
    {
      onRequest: app.authenticate,
      // What a request costs the caller's budgets: searches and catch-up read more than a page.
      config: { rateCost: (request) => historyCost(request.query as { q?: string; afterSeq?: unknown; from?: string; to?: string }) },
      schema: {
        tags: ['history'],
        summary: 'Stored events of one channel, newest first; full-text `q`, date range, cursor pages',
        description: 'With `afterSeq`, returns the events after that stream sequence oldest first (what a reconnecting client missed).',
        querystring: historyQuerySchema,
        security: [{ bearer: [] }],
      },
    },
    async (request): Promise<HistoryPage> => {
      const query = request.query;
      const channel = app.authorizeChannel(request, 'read', query.channel);
      // Both are canonical UTC strings (the contract normalised them), so they compare as text.
      const { from, to } = query;
      if (from && to && from > to) throw new AppError('ERR_VALIDATION', '"from" is after "to"', { errors: [{ path: 'query.from', message: 'must not be after "to"' }] });
      if (query.q !== undefined && query.q.trim() === '') throw new AppError('ERR_VALIDATION', '"q" is empty', { errors: [{ path: 'query.q', message: 'empty search' }] });
      if (query.afterSeq !== undefined) {
        const events = await eventsAfterSeq(database, channel.name, query.afterSeq, query.limit);
        return { items: events.map((e) => e.envelope), nextCursor: null };
      }
      const beforePos = query.cursor ? decodeCursor(query.cursor) : undefined;
      const position = beforePos === undefined ? await centrifugo.position(channel.name).catch(() => null) : undefined;
      const events = await queryHistory(database, {
        channel: channel.name,
        q: query.q?.trim(),
        from,
        to,
        limit: query.limit + 1,
        beforePos,
      });
      const page = events.slice(0, query.limit);
      const nextCursor = events.length > query.limit ? encodeCursor(page[page.length - 1]!.pos) : null;
      return { items: page.map((e) => e.envelope), nextCursor, ...(position !== undefined ? { position } : {}) };
    },
  );
};
