import type { DeferredWrite, Tx } from '../store/sql';
import type { ValidatedEvent } from './validate';

export type { Tx };

/**
 * A read model kept in step with the event log: `apply` runs inside the ingest transaction, before the
 * events are appended, for the events not stored yet (a retried id is not applied twice). It may return
 * events it derives (an alert a metric opened): they are stored with the others, in the same statement,
 * and published like them. Throwing an AppError (409 out of order, 400 backwards, 404 unknown) refuses
 * the whole request: nothing is stored, nothing is published. Without a context, it writes at once and
 * remembers nothing.
 */
export interface Projector {
  readonly name: string;
  /** Event types this projector cares about; others are not passed to it. */
  readonly types: ReadonlySet<string>;
  apply(tx: Tx, events: ValidatedEvent[], context?: ProjectorContext): Promise<ValidatedEvent[] | void>;
}

/** What the sink offers a projector inside one ingest transaction. */
export interface ProjectorContext {
  /**
   * Takes a write to be carried by the statement that appends the events (one round trip fewer); for a
   * write a later statement of its own must see, the projector writes now.
   */
  later(write: DeferredWrite): void;
  /** Runs `fn` once the transaction has committed (never when it fails), in the order given. */
  afterCommit(fn: () => void): void;
  /**
   * The careful try, after one failed: the projector reads its state from the database, trusting nothing
   * it remembers of earlier transactions.
   */
  careful: boolean;
}
