import { sql } from 'drizzle-orm';
import type { Database, Session } from '../store/database';
import { RELAY_LOCK, removeFromOutbox, toStoredEvent, OUTBOX_NOTIFY } from '../store/event-store';
import { rowsOf } from '../store/sql';
import { transientRefusal, type CentrifugoClient, type PublishRequest } from '../centrifugo/client';

export interface RelayOptions {
  /** Most outbox rows published per Centrifugo `/api/batch`. Default 1000. */
  batchSize?: number;
  /** Poll interval when nothing woke the relay, ms (safety net for lost wake-ups). Default 1000. */
  pollMs?: number;
  /** How often an instance whose relay is not the active one checks whether it should take over, ms. Default 500. */
  standbyPollMs?: number;
  /**
   * Rows younger than this are left to the fast path, which publishes them the moment they commit; the
   * relay publishes what the fast path could not (a failed or lost publish), ms. 0 (default): everything.
   */
  graceMs?: number;
  /** First retry delay after a failure, ms; doubles up to `maxBackoffMs`. Default 100. */
  minBackoffMs?: number;
  /** Default 5000. */
  maxBackoffMs?: number;
  onError?: (err: unknown) => void;
  /** Called after each published batch (metrics). */
  onBatch?: (info: { size: number; ms: number }) => void;
}

interface BatchRow {
  pos: number;
  id: string;
  type: string;
  tenant_id: string | null;
  channel: string;
  data: unknown;
  ts: string;
  seq: number | string | null;
}

/**
 * The outbox relay. Publishes stored events to Centrifugo in ingest order, in batches, each with its
 * event id as `idempotency_key`, and records the channel sequence, offset and epoch it got.
 *
 * Three steps per batch, on a connection of its own (never waiting behind readers or ingest for one):
 * 1. give the batch's events that have none their channel sequence numbers and COMMIT, before anything is published:
 *    whatever a subscriber can see live is then already readable from history, so catch-up readers need
 *    no lock and can never hold the relay up (nor it them);
 * 2. publish the batch;
 * 3. take the rows out of the outbox.
 *
 * Since events are numbered in their ingest transaction and published from memory right after it commits
 * (the fast path), the relay is the fallback: with `graceMs` it only takes rows older than that — those
 * the fast path could not publish (Centrifugo down, the process gone) — and on shutdown everything.
 * A crash between 2 and 3 leaves the rows in the outbox with their sequence numbers: they are published
 * again with the same `seq` under the same idempotency key, which Centrifugo drops (5-minute window).
 *
 * With several instances on one database, a session advisory lock on that connection makes one relay
 * the active one; the others stand by and take over when its connection goes (a crash releases it).
 */
export class Relay {
  readonly #db: Database;
  readonly #centrifugo: CentrifugoClient;
  readonly #opts: Required<Omit<RelayOptions, 'onError' | 'onBatch'>> & Pick<RelayOptions, 'onError' | 'onBatch'>;
  #session: Session | null = null;
  #active = false;
  #pending = true;
  #running = false;
  #stopped = false;
  #loop: Promise<void> | null = null;
  #sleep: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  #idleWaiters: Array<() => void> = [];
  /** Shutting down: the grace no longer applies, everything in the outbox is published. */
  #draining = false;
  /**
   * The next run ignores the grace: at start (rows left by a previous process) and when the fast path
   * gave up on something (`takeOver`), so that fallback does not wait out the grace.
   */
  #takeOver = true;

  constructor(db: Database, centrifugo: CentrifugoClient, options: RelayOptions = {}) {
    this.#db = db;
    this.#centrifugo = centrifugo;
    this.#opts = { batchSize: 1000, pollMs: 1000, standbyPollMs: 500, graceMs: 0, minBackoffMs: 100, maxBackoffMs: 5000, ...options };
  }

  async start(): Promise<void> {
    if (this.#loop) return;
    await this.#db.listen(OUTBOX_NOTIFY, () => this.wake());
    this.#loop = this.#run();
  }

  /** Wakes the relay at once (called after every ingest commit). */
  wake(): void {
    this.#pending = true;
    if (this.#sleep) {
      clearTimeout(this.#sleep.timer);
      this.#sleep.resolve();
      this.#sleep = null;
    }
  }

  /**
   * The fast path gave up on some events: the next run publishes everything in the outbox now, not only
   * what is older than the grace (what the fast path still has in flight is published again, and dropped
   * by Centrifugo as a repeat; order holds, the relay going by sequence).
   */
  takeOver(): void {
    this.#takeOver = true;
    this.wake();
  }

  /** Resolves when the outbox was found empty after this call (used by drain and tests). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.wake();
    });
  }

  /** Stops after the batch in flight; with `drain`, first publishes what is in the outbox (bounded by `timeoutMs`). */
  async stop({ drain = false, timeoutMs = 10_000 } = {}): Promise<void> {
    if (drain && this.#loop) {
      this.#draining = true;
      await Promise.race([this.whenIdle(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    this.#stopped = true;
    this.wake();
    await this.#loop;
    await this.#closeSession();
  }

  get running(): boolean {
    return this.#running;
  }

  async #run(): Promise<void> {
    let backoff = this.#opts.minBackoffMs;
    while (!this.#stopped) {
      if (!this.#pending) await this.#wait(this.#opts.pollMs);
      if (this.#stopped) break;
      this.#pending = false;
      try {
        this.#running = true;
        const published = await this.relayOnce();
        this.#running = false;
        backoff = this.#opts.minBackoffMs;
        if (published === 'standby') {
          // Another instance's relay is the active one. Idle waiters (a drain) only need the outbox empty,
          // whoever emptied it; look again in a while in case the active relay went away.
          if (this.#idleWaiters.length > 0 && (await this.#outboxEmpty())) this.#idleWaiters.splice(0).forEach((r) => r());
          await this.#wait(this.#opts.standbyPollMs);
          this.#pending = true;
        } else if (published === 0) {
          this.#idleWaiters.splice(0).forEach((r) => r());
        } else if (published === 'fresh') {
          // Only rows the fast path is publishing: look again soon if someone waits for an empty outbox.
          if (this.#idleWaiters.length > 0) {
            await this.#wait(Math.min(50, this.#opts.pollMs));
            this.#pending = true;
          }
        } else {
          this.#pending = true;
        }
      } catch (err) {
        this.#running = false;
        if (this.#session?.broken) await this.#closeSession();
        this.#opts.onError?.(err);
        await this.#wait(backoff);
        backoff = Math.min(this.#opts.maxBackoffMs, backoff * 2);
        this.#pending = true;
      }
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#sleep = { timer: setTimeout(() => { this.#sleep = null; resolve(); }, ms), resolve };
    });
  }

  /** The relay's connection, holding the relay lock; null while another instance's relay is active. */
  async #activeSession(): Promise<Session | null> {
    if (this.#session?.broken) await this.#closeSession();
    this.#session ??= await this.#db.openSession();
    // One process owns a PGlite database: nothing to coordinate.
    if (this.#db.kind === 'pglite' || this.#active) return this.#session;
    const [lock] = rowsOf<{ ok: boolean }>(await this.#session.db.execute(sql`select pg_try_advisory_lock(${RELAY_LOCK}) as ok`));
    this.#active = Boolean(lock?.ok);
    return this.#active ? this.#session : null;
  }

  async #outboxEmpty(): Promise<boolean> {
    const [row] = rowsOf<{ empty: boolean }>(await this.#session!.db.execute(sql`select not exists (select 1 from outbox) as empty`));
    return Boolean(row?.empty);
  }

  async #closeSession(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    this.#active = false;
    // Ending the connection releases the session lock; another instance takes over.
    await session?.end();
  }

  /**
   * Relays one batch. Returns how many events were published, 'fresh' when the outbox holds only rows the
   * fast path has yet to publish, or 'standby' when another instance's relay is the active one.
   */
  async relayOnce(): Promise<number | 'standby' | 'fresh'> {
    const started = performance.now();
    const session = await this.#activeSession();
    if (!session) return 'standby';

    // 1. The batch, with sequence numbers given to those that have none yet, committed.
    const rows = await session.db.transaction(async (tx) => {
      // Losing this commit in a crash is harmless: nothing of it was published yet, and the same rows
      // get the same numbers again (same order, same counters). Ingest commits stay synchronous.
      await tx.execute(sql`set local synchronous_commit = off`);
      const grace = this.#draining || this.#takeOver ? 0 : this.#opts.graceMs;
      this.#takeOver = false;
      // With a grace, a channel's rows are taken only up to its first young one: young rows are the fast
      // path's, and skipping over one would publish a channel out of order (a transaction that began
      // earlier can commit, hence be numbered, later, so age does not follow `seq`).
      const batch = rowsOf<BatchRow>(
        await tx.execute(
          grace > 0
            ? sql`
              with young as (
                select channel, min(seq) as first_young from outbox
                where at >= now() - make_interval(secs => ${grace / 1000}) group by channel
              )
              select e.pos, e.id, e.type, e.tenant_id, e.channel, e.data, e.ts, e.seq
              from outbox o join events e on e.pos = o.pos left join young y on y.channel = o.channel
              where y.channel is null or o.seq < y.first_young
              order by o.pos
              limit ${this.#opts.batchSize}`
            : sql`
              select e.pos, e.id, e.type, e.tenant_id, e.channel, e.data, e.ts, e.seq
              from outbox o join events e on e.pos = o.pos
              order by o.pos
              limit ${this.#opts.batchSize}`,
        ),
      );
      // Events are numbered at ingest; only rows written before that (an older version) have no number.
      const fresh = batch.filter((r) => r.seq === null);
      if (fresh.length === 0) return batch;
      const counts = new Map<string, number>();
      fresh.forEach((r) => counts.set(r.channel, (counts.get(r.channel) ?? 0) + 1));
      const tops = rowsOf<{ channel: string; last_seq: number | string }>(
        await tx.execute(sql`
          insert into channel_streams (channel, last_seq)
          select * from unnest(${sql.param([...counts.keys()])}::text[], ${sql.param([...counts.values()])}::bigint[]) as u(channel, n)
          order by channel -- the lock order of ingest (appendEvents): no crosswise waits
          on conflict (channel) do update set last_seq = channel_streams.last_seq + excluded.last_seq
          returning channel, last_seq`),
      );
      const next = new Map(tops.map((t) => [t.channel, Number(t.last_seq) - counts.get(t.channel)! + 1]));
      for (const r of fresh) {
        r.seq = next.get(r.channel)!;
        next.set(r.channel, r.seq + 1);
      }
      // Parameters as arrays (unnest): constant statement text and building cost per batch.
      await tx.execute(sql`
        with u as (select * from unnest(${sql.param(fresh.map((r) => r.id))}::uuid[], ${sql.param(fresh.map((r) => Number(r.seq)))}::bigint[]) as u(id, seq)),
        ev as (update events e set seq = u.seq from u where e.id = u.id returning e.pos, e.seq)
        update outbox o set seq = ev.seq from ev where o.pos = ev.pos`);
      return batch;
    });
    if (rows.length === 0) {
      if (this.#draining || this.#opts.graceMs === 0) return 0;
      // (A run that ignored the grace and found nothing also means an empty outbox.)
      const [left] = rowsOf<{ any: boolean }>(await session.db.execute(sql`select exists (select 1 from outbox) as any`));
      return left?.any ? 'fresh' : 0;
    }

    // 2. Publish.
    const publishes: PublishRequest[] = rows.map((r) => ({ channel: r.channel, data: toStoredEvent(r).envelope, idempotency_key: r.id }));
    const replies = await this.#centrifugo.batch(publishes);
    const refusal = transientRefusal(replies);
    if (refusal) throw refusal;

    // 3. Out of the outbox, stamped published (one statement). A lost commit here only means the rows are
    // published once more, under the same idempotency keys.
    await session.db.transaction(async (tx) => {
      await tx.execute(sql`set local synchronous_commit = off`);
      await removeFromOutbox(tx, rows.map((r) => r.pos));
    });
    this.#opts.onBatch?.({ size: rows.length, ms: performance.now() - started });
    return rows.length;
  }
}
