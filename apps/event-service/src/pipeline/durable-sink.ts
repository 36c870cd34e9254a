import type { AcceptedEvent } from '@neo/contracts';
import { AppError } from '../errors';
import { isDatabaseUnavailable, type Database } from '../store/database';
import { appendEvents } from '../store/event-store';
import type { EventSink } from './sink';
import type { ValidatedEvent } from './validate';
import type { Relay } from './relay';
import type { Projector } from './projector';

/**
 * Stores events and their outbox rows in one transaction, then wakes the relay. Answering 202 after
 * the commit is what makes "acknowledged" mean "will be delivered".
 */
export class DurableSink implements EventSink {
  constructor(
    private readonly database: Database,
    private readonly relay: Relay,
    private readonly projectors: readonly Projector[] = [],
  ) {}

  async accept(events: ValidatedEvent[]): Promise<AcceptedEvent[]> {
    let result;
    try {
      result = await this.database.db.transaction(async (tx) => {
        const appended = await appendEvents(tx, events, this.database.kind === 'postgres');
        if (appended.inserted.size > 0) {
          for (const projector of this.projectors) {
            const mine = events.filter((e) => appended.inserted.has(e.envelope.id) && projector.types.has(e.envelope.type));
            if (mine.length > 0) await projector.apply(tx, mine);
          }
        }
        return appended;
      });
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
