import type { FastifyPluginAsync } from 'fastify';
import { MAX_BATCH_EVENTS, ingestResponseSchema, type IngestResponse } from '@neo/contracts';
import { responses } from './responses';
import { validateIngestBody } from '../pipeline/validate';
import type { EventSink } from '../pipeline/sink';
import { assertInScope } from '../auth/ingest-keys';

/** `POST /v1/events`: the one door for events from internal services (ingest key). */
export const eventRoutes: FastifyPluginAsync<{ sink: EventSink; onRefused?: (types: unknown[]) => void }> = async (app, { sink, onRefused }) => {
  app.post(
    '/v1/events',
    {
      onRequest: app.requireIngestKey,
      schema: {
        tags: ['events'],
        summary: 'Ingest one event or {events: [...]}; 202 once stored',
        description:
          'Body: an event `{id?, type, tenantId?, data, timestamp?}` or `{events: [event, ...]}` (at most 500). The same id twice is accepted once. ' +
          'An event outside the key’s scope (type, tenant, or an operator channel for a key without `tenants: ["*"]`) refuses the whole request with 403 `ERR_INGEST_SCOPE`; nothing of it is stored.',
        response: responses({ 202: ingestResponseSchema }),
        security: [{ ingestKey: [] }],
      },
    },
    async (request, reply): Promise<IngestResponse> => {
      const body = request.body as { events?: unknown } | null;
      const batch = typeof body === 'object' && body !== null && 'events' in body;
      // Quotas first, on the events as sent: past its budget a flood costs no validation.
      const sent = batch ? (Array.isArray(body.events) ? body.events : []) : [body];
      // (An oversized batch is the validation's to refuse, with a 400 that says so.)
      if (sent.length <= MAX_BATCH_EVENTS) app.chargeIngestEvents(request.ingestKey!.id, sent.map((e) => ({ tenantId: (e as { tenantId?: unknown } | null)?.tenantId })));
      try {
        const events = validateIngestBody(request.body);
        assertInScope(request.ingestKey!, events.map((e) => e.envelope), batch);
        const accepted = await sink.accept(events);
        void reply.status(202);
        return { accepted };
      } catch (err) {
        // Counted per event as sent (a request past the batch limit counts as one), then answered as usual.
        onRefused?.(sent.length <= MAX_BATCH_EVENTS ? sent.map((e) => (e as { type?: unknown } | null)?.type) : [undefined]);
        throw err;
      }
    },
  );
};
