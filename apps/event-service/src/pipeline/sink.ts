import type { AcceptedEvent } from '@neo/contracts';
import type { ValidatedEvent } from './validate';

/** Where validated events go. The ingest route answers 202 only after `accept` resolves. */
export interface EventSink {
  accept(events: ValidatedEvent[]): Promise<AcceptedEvent[]>;
}
