import type { AcceptedEvent } from '@neo/contracts';
import { CentrifugoApiError, CentrifugoUnavailableError, type CentrifugoClient } from '../centrifugo/client';
import { AppError } from '../errors';
import type { EventSink } from './sink';
import type { ValidatedEvent } from './validate';

/**
 * Publishes straight to Centrifugo in one `/api/batch`, the event id as idempotency key.
 * Not durable: used only where no database is configured (the durable pipeline replaces it).
 */
export class DirectSink implements EventSink {
  constructor(private readonly centrifugo: CentrifugoClient) {}

  async accept(events: ValidatedEvent[]): Promise<AcceptedEvent[]> {
    let replies;
    try {
      replies = await this.centrifugo.batch(events.map((e) => ({ channel: e.channel, data: e.envelope, idempotency_key: e.envelope.id })));
    } catch (err) {
      if (err instanceof CentrifugoUnavailableError || err instanceof CentrifugoApiError) {
        throw new AppError('ERR_CENTRIFUGO_UNAVAILABLE', 'the real-time server did not accept the events; retry with the same ids', { cause: err, headers: { 'retry-after': '1' } });
      }
      throw err;
    }
    const failed = replies.find((r) => r.error);
    if (failed?.error) throw new AppError('ERR_CENTRIFUGO_UNAVAILABLE', `the real-time server refused an event: ${failed.error.message}`, { headers: { 'retry-after': '1' } });
    return events.map((e) => ({ id: e.envelope.id, channel: e.channel }));
  }
}
