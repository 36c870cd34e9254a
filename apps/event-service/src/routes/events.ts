import type { FastifyPluginAsync } from 'fastify';
import type { IngestResponse } from '@neo/contracts';
import { validateIngestBody } from '../pipeline/validate';
import type { EventSink } from '../pipeline/sink';

/** `POST /v1/events`: the one door for events from internal services (ingest key). */
export const eventRoutes: FastifyPluginAsync<{ sink: EventSink }> = async (app, { sink }) => {
  app.post(
    '/v1/events',
    {
      preHandler: app.requireIngestKey,
      schema: {
        tags: ['events'],
        summary: 'Ingest one event or {events: [...]}; 202 once stored',
        description: 'Body: an event `{id?, type, tenantId?, data, timestamp?}` or `{events: [event, ...]}` (at most 500). The same id twice is accepted once.',
        security: [{ ingestKey: [] }],
      },
    },
    async (request, reply): Promise<IngestResponse> => {
      const events = validateIngestBody(request.body);
      const accepted = await sink.accept(events);
      void reply.status(202);
      return { accepted };
    },
  );
};
