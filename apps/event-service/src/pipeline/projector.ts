import type { Db } from '../store/database';
import type { ValidatedEvent } from './validate';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * A read model kept in step with the event log: `apply` runs inside the ingest transaction, after the
 * events are appended, for the events stored for the first time (a retried id is not applied twice).
 * Throwing an AppError (409 out of order, 400 backwards, 404 unknown) refuses the whole request: nothing
 * is stored, nothing is published.
 */
export interface Projector {
  readonly name: string;
  /** Event types this projector cares about; others are not passed to it. */
  readonly types: ReadonlySet<string>;
  apply(tx: Tx, events: ValidatedEvent[]): Promise<void>;
}
