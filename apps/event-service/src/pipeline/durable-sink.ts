import type { AcceptedEvent } from '@neo/contracts';
import { AppError } from '../errors';
import { isDatabaseUnavailable, type Database } from '../store/database';
import { appendEvents } from '../store/event-store';
import type { EventSink } from './sink';
import type { ValidatedEvent } from './validate';
import type { Relay } from './relay';

/**
 * Stores events and their outbox rows in one transaction, then wakes the relay. Answering 202 after
 * the commit is what makes "acknowledged" mean "will be delivered".
 */
export class DurableSink implements EventSink {
  constructor(private readonly database: Database, private readonly relay: Relay) {}

  async accept(events: ValidatedEvent[]): Promise<AcceptedEvent[]> {
    let result;
    try {
      result = await this.database.db.transaction((tx) => appendEvents(tx, events, this.database.kind === 'postgres'));
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        throw new AppError('ERR_DATABASE_UNAVAILABLE', 'the event store is unreachable; nothing was stored, retry with the same ids', { cause: err, headers: { 'retry-after': '2' } });
      }
      throw err;
    }
    if (result.inserted.size > 0) this.relay.wake();
    return result.accepted;
  }
}
