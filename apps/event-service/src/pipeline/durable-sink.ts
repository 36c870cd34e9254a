import type { AcceptedEvent } from '@neo/contracts';
import { AppError } from '../errors';
import { hasSqlState, isDatabaseUnavailable, type Database } from '../store/database';
import { appendEvents, ConcurrentDuplicateError, OUTBOX_NOTIFY, storedIds } from '../store/event-store';
import { sql } from 'drizzle-orm';
import { executeDeferred, STATE_GUARD, type DeferredWrite } from '../store/sql';
import type { AnyEventEnvelope } from '@neo/contracts';
import type { EventSink } from './sink';
import type { ValidatedEvent } from './validate';
import type { Projector } from './projector';

/** An event whose ingest transaction committed: stored, numbered in its channel, in the outbox. */
export interface CommittedEvent {
  pos: number;
  seq: number;
  channel: string;
  /** The envelope as subscribers get it, `seq` included. */
  envelope: AnyEventEnvelope;
}

export interface DurableSinkOptions {
  /** Most transactions in flight at once (Postgres); PGlite has one connection, so one. Default 4. */
  maxConcurrentCommits?: number;
  /** Most events written by one grouped transaction. Default 2000. */
  maxGroupEvents?: number;
  /**
   * Most events waiting for a transaction; past it a request is refused at once (503, Retry-After)
   * instead of queueing without bound while the database is slow. Default 20000.
   */
  maxQueuedEvents?: number;
  /**
   * Called after each commit with the events it stored for the first time (the fast path publishes
   * them at once, in each channel's order). Without it, the relays are woken and publish from the outbox.
   */
  onCommitted?: (events: CommittedEvent[]) => void;
  /** Wakes this instance's relay (used when there is no `onCommitted`). */
  wakeRelay?: () => void;
  /** Called when an optimistic try failed and its requests go again the careful way, with why (metrics). */
  onCarefulRetry?: (reason: CarefulRetryReason) => void;
}

/**
 * Why an optimistic try was undone: an id stored already; an instance state changed by another
 * transaction since this instance remembered it (another service instance's, an announcement's); a
 * projector's refusal (answered by the careful try, which tells a retried request from a new one); or an
 * error of the database.
 */
export type CarefulRetryReason = 'stored_id' | 'state_changed' | 'refused' | 'error';

interface Pending {
  events: ValidatedEvent[];
  /** The channels the request writes (its transaction holds their counters until commit). */
  channels: Set<string>;
  resolve: (accepted: AcceptedEvent[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Stores events and their outbox rows in one transaction, then wakes the relay. Answering 202 after
 * the commit is what makes "acknowledged" mean "will be delivered".
 *
 * Group commit: requests that arrive while transactions are in flight wait in a queue and are written
 * together by the next one, each answered after that commit. Many small concurrent requests then cost a
 * few commits (and disk flushes) instead of one each. If a grouped transaction fails (a domain refusal
 * of one request, say), its requests are retried one by one, so one request's 409 is never another's.
 *
 * A channel is written by one transaction at a time: a transaction holds its channels' counters from its
 * insert to its commit anyway (appendEvents), so a second one on the same channel would only wait for
 * the lock, holding a connection, with a small group. Requests for a busy channel wait here instead and
 * go together in that channel's next transaction; requests for other channels commit side by side. A
 * request that waits reserves its channels, so later requests never overtake it on them.
 */
export class DurableSink implements EventSink {
  readonly #queue: Pending[] = [];
  #active = 0;
  readonly #maxActive: number;
  readonly #maxGroupEvents: number;
  readonly #maxQueuedEvents: number;
  #queuedEvents = 0;
  /** Channels written by a transaction in flight, with how many. */
  readonly #busy = new Map<string, number>();
  readonly #notifier: OutboxNotifier | null;

  readonly #onCommitted: ((events: CommittedEvent[]) => void) | null;
  readonly #wakeRelay: () => void;
  readonly #onCarefulRetry: (reason: CarefulRetryReason) => void;

  constructor(
    private readonly database: Database,
    private readonly projectors: readonly Projector[] = [],
    options: DurableSinkOptions = {},
  ) {
    this.#maxActive = database.kind === 'pglite' ? 1 : (options.maxConcurrentCommits ?? 4);
    this.#maxGroupEvents = options.maxGroupEvents ?? 2000;
    this.#maxQueuedEvents = options.maxQueuedEvents ?? 20_000;
    this.#onCommitted = options.onCommitted ?? null;
    this.#wakeRelay = options.wakeRelay ?? (() => {});
    this.#onCarefulRetry = options.onCarefulRetry ?? (() => {});
    // Other instances' relays only need waking when they, not this process, publish what it stored.
    this.#notifier = database.kind === 'postgres' && !this.#onCommitted ? new OutboxNotifier(database) : null;
  }

  accept(events: ValidatedEvent[]): Promise<AcceptedEvent[]> {
    if (this.#queuedEvents + events.length > this.#maxQueuedEvents) {
      return Promise.reject(new AppError('ERR_OVERLOADED', 'the ingest queue is full; nothing was stored, retry with the same ids', { headers: { 'retry-after': '1' } }));
    }
    this.#queuedEvents += events.length;
    return new Promise((resolve, reject) => {
      this.#queue.push({ events, channels: new Set(events.map((e) => e.channel)), resolve, reject });
      if (this.#active < this.#maxActive) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#active++;
    try {
      for (let group = this.#nextGroup(); group.length > 0; group = this.#nextGroup()) {
        const channels = new Set(group.flatMap((p) => [...p.channels]));
        channels.forEach((c) => this.#busy.set(c, (this.#busy.get(c) ?? 0) + 1));
        try {
          await this.#commitGroup(group);
        } finally {
          this.#queuedEvents -= group.reduce((n, p) => n + p.events.length, 0);
          channels.forEach((c) => {
            const n = this.#busy.get(c)! - 1;
            if (n === 0) this.#busy.delete(c);
            else this.#busy.set(c, n);
          });
        }
      }
    } finally {
      this.#active--;
    }
    // Requests that waited for a channel this drain (or another, now finished) held.
    if (this.#queue.length > 0 && this.#active === 0) void this.#drain();
  }

  /** Takes from the queue, in order, the requests whose channels no transaction in flight holds. */
  #nextGroup(): Pending[] {
    const group: Pending[] = [];
    const reserved = new Set<string>(); // channels of earlier requests that wait: never overtaken on them
    let size = 0;
    for (let i = 0; i < this.#queue.length; ) {
      const p = this.#queue[i]!;
      const blocked = [...p.channels].some((c) => this.#busy.has(c) || reserved.has(c));
      if (blocked || (group.length > 0 && size + p.events.length > this.#maxGroupEvents)) {
        p.channels.forEach((c) => reserved.add(c));
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      group.push(p);
      size += p.events.length;
    }
    return group;
  }

  async #commitGroup(group: Pending[]): Promise<void> {
    try {
      const results = await this.#commitRetryingDuplicates(group.map((p) => p.events));
      group.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (group.length === 1 || isDatabaseUnavailable(err)) {
        const mapped = mapError(err);
        group.forEach((p) => p.reject(mapped));
        return;
      }
      for (const p of group) {
        try {
          p.resolve((await this.#commitRetryingDuplicates([p.events]))[0]!);
        } catch (single) {
          p.reject(mapError(single));
        }
      }
    }
  }

  /**
   * First optimistically: the ids are taken to be new (a retry of a stored request is rare), which saves
   * the transaction one round trip, its first statement. When that is not so — an id turns out to be
   * stored, so the append numbers fewer events than were projected; or a projector refuses an event that
   * was in fact stored before (a retried `deployment_start`, say); or a projector's remembered state was
   * changed by another transaction (the metrics projector's, by another service instance) — that
   * transaction is rolled back and the requests go again the careful way: stored ids first, only the rest
   * projected, and the projectors' state read under lock. A transaction
   * that lost a race to store the same id is simply tried again the same way (it then sees the id).
   */
  async #commitRetryingDuplicates(requests: ValidatedEvent[][]): Promise<AcceptedEvent[][]> {
    try {
      return await this.#commit(requests, false);
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      this.#onCarefulRetry(
        err instanceof ConcurrentDuplicateError ? 'stored_id' : hasSqlState(err, STATE_GUARD) ? 'state_changed' : err instanceof AppError ? 'refused' : 'error',
      );
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#commit(requests, true);
      } catch (err) {
        // A deadlock with another service instance's transaction (PostgreSQL undid this one) is tried again too.
        if (!(err instanceof ConcurrentDuplicateError || hasSqlState(err, DEADLOCK_DETECTED)) || attempt >= 3) throw err;
      }
    }
  }

  /**
   * One transaction for several requests' events; answers per request, in order. With `checkStored`,
   * ids stored already are looked up first and neither projected nor stored again; without, every id is
   * taken to be new and the transaction fails (ConcurrentDuplicateError) if one was not.
   */
  async #commit(requests: ValidatedEvent[][], checkStored: boolean): Promise<AcceptedEvent[][]> {
    // An id sent by two requests of one group is stored (and projected) once; both get its answer.
    const unique = new Map<string, ValidatedEvent>();
    for (const events of requests) for (const e of events) if (!unique.has(e.envelope.id)) unique.set(e.envelope.id, e);
    const all = [...unique.values()];
    // What projectors asked to run once this transaction has committed (what they remember of it).
    const afterCommit: Array<() => void> = [];
    // Pipelined on PostgreSQL: BEGIN goes with the first statement, COMMIT with the append (the last).
    const result = await this.database.pipelinedTransaction(async (tx, commitWith) => {
      // Read models first, then one insert for everything (with what they derived): the channels'
      // counters, locked by that insert until commit, are then held as briefly as possible, and taken in
      // one statement, in one order.
      const stored = checkStored ? await storedIds(tx, all.map((e) => e.envelope.id)) : NONE_STORED;
      const fresh = stored.size === 0 ? all : all.filter((e) => !stored.has(e.envelope.id));
      const derived: ValidatedEvent[] = [];
      // Projectors' writes left to the append statement (one round trip fewer). A later projector may
      // read what an earlier one wrote (instance_status reads the samples just written): they are written
      // on their own before it runs.
      const deferred: DeferredWrite[] = [];
      const context = { later: (write: DeferredWrite) => void deferred.push(write), afterCommit: (fn: () => void) => void afterCommit.push(fn), careful: checkStored };
      for (const projector of this.projectors) {
        const mine = fresh.filter((e) => projector.types.has(e.envelope.type));
        if (mine.length === 0) continue;
        await executeDeferred(tx, deferred.splice(0));
        derived.push(...((await projector.apply(tx, mine, context)) ?? []));
      }
      // An event projected as new that is stored already (a concurrent transaction's, or, taken to be new,
      // an earlier request's) fails the append, which rolls the transaction back: retried the careful way.
      const appended = await appendEvents(tx, [...all, ...derived], deferred, { allNew: !checkStored, commitWith });
      return { ...appended, stored: [...fresh, ...derived] };
    });
    afterCommit.forEach((fn) => fn());
    if (result.inserted.size > 0) {
      if (this.#onCommitted) {
        const committed: CommittedEvent[] = [];
        for (const e of result.stored) {
          const at = result.inserted.get(e.envelope.id);
          if (at) committed.push({ pos: at.pos, seq: at.seq, channel: e.channel, envelope: { ...e.envelope, seq: at.seq } as AnyEventEnvelope });
        }
        this.#onCommitted(committed);
      } else {
        this.#wakeRelay();
        this.#notifier?.poke();
      }
    }
    const byId = new Map(result.accepted.map((a) => [a.id, a]));
    return requests.map((events) => events.map((e) => byId.get(e.envelope.id)!));
  }
}

const NONE_STORED: ReadonlySet<string> = new Set();
const DEADLOCK_DETECTED = '40P01';

function mapError(err: unknown): unknown {
  if (isDatabaseUnavailable(err)) {
    return new AppError('ERR_DATABASE_UNAVAILABLE', 'the event store is unreachable; nothing was stored, retry with the same ids', { cause: err, headers: { 'retry-after': '2' } });
  }
  return err;
}

/**
 * Wakes the relays of other instances with one Postgres NOTIFY after commits, at most one in flight.
 * Sent outside the ingest transactions on purpose: a transaction that notifies takes a database-wide
 * lock at commit, which would serialize every ingest commit.
 */
class OutboxNotifier {
  #inFlight = false;
  #again = false;

  constructor(private readonly database: Database) {}

  poke(): void {
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#inFlight = true;
    void this.database.db
      .execute(sql`select pg_notify(${OUTBOX_NOTIFY}, '')`)
      .catch(() => {}) // the relays' poll picks the rows up anyway
      .finally(() => {
        this.#inFlight = false;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }
}
