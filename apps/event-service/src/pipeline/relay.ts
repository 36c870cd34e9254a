import { sql } from 'drizzle-orm';
import type { Database } from '../store/database';
import { RELAY_LOCK, rowsOf, toStoredEvent, OUTBOX_NOTIFY } from '../store/event-store';
import type { CentrifugoClient, PublishRequest } from '../centrifugo/client';

export interface RelayOptions {
  /** Most outbox rows published per Centrifugo `/api/batch`. Default 1000. */
  batchSize?: number;
  /** Poll interval when nothing woke the relay, ms (safety net for lost wake-ups). Default 1000. */
  pollMs?: number;
  /** First retry delay after a failure, ms; doubles up to `maxBackoffMs`. Default 100. */
  minBackoffMs?: number;
  /** Default 5000. */
  maxBackoffMs?: number;
  onError?: (err: unknown) => void;
  /** Called after each published batch (metrics). */
  onBatch?: (info: { size: number; ms: number }) => void;
}

/** Centrifugo API error codes that retrying will not fix; such events are parked, not retried forever. */
const PERMANENT_CODES = new Set([102, 107]);

/**
 * The outbox relay. Publishes stored events to Centrifugo in ingest order, in batches, each with its
 * event id as `idempotency_key`, and records the channel sequence, offset and epoch it got.
 *
 * One transaction per batch holds an advisory lock, so with several service instances on one database
 * only one relays at a time (no double relay, order kept per channel); `FOR UPDATE SKIP LOCKED` keeps it
 * safe even without the lock. The sequence is given and the rows leave the outbox only if Centrifugo
 * accepted the batch; otherwise everything rolls back and is retried with backoff.
 */
export class Relay {
  readonly #db: Database;
  readonly #centrifugo: CentrifugoClient;
  readonly #opts: Required<Omit<RelayOptions, 'onError' | 'onBatch'>> & Pick<RelayOptions, 'onError' | 'onBatch'>;
  #pending = true;
  #running = false;
  #stopped = false;
  #loop: Promise<void> | null = null;
  #sleep: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  #idleWaiters: Array<() => void> = [];

  constructor(db: Database, centrifugo: CentrifugoClient, options: RelayOptions = {}) {
    this.#db = db;
    this.#centrifugo = centrifugo;
    this.#opts = { batchSize: 1000, pollMs: 1000, minBackoffMs: 100, maxBackoffMs: 5000, ...options };
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
      await Promise.race([this.whenIdle(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    this.#stopped = true;
    this.wake();
    await this.#loop;
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
        if (published === 'locked') {
          // Another instance is relaying; look again soon in case it finished before our rows committed.
          await this.#wait(50);
          this.#pending = true;
        } else if (published >= this.#opts.batchSize) {
          this.#pending = true;
        } else if (published === 0) {
          this.#idleWaiters.splice(0).forEach((r) => r());
        } else {
          this.#pending = true;
        }
      } catch (err) {
        this.#running = false;
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

  /** Relays one batch. Returns how many events were published, or 'locked' when another relay holds the lock. */
  async relayOnce(): Promise<number | 'locked'> {
    const started = performance.now();
    return this.#db.db.transaction(async (tx) => {
      const [lock] = rowsOf<{ ok: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${RELAY_LOCK}) as ok`));
      if (!lock?.ok) return 'locked' as const;
      // The relay's own commit need not wait for the disk: if it is lost in a crash, the rows are
      // still in the outbox and are published again under the same idempotency keys. (Ingest
      // commits, which back the 202, stay synchronous.)
      await tx.execute(sql`set local synchronous_commit = off`);
      const rows = rowsOf<{ pos: number; id: string; type: string; tenant_id: string | null; channel: string; data: unknown; ts: string; seq: null }>(
        await tx.execute(sql`
          select e.pos, e.id, e.type, e.tenant_id, e.channel, e.data, e.ts, null as seq
          from outbox o join events e on e.pos = o.pos
          order by o.pos
          limit ${this.#opts.batchSize}
          for update of o skip locked`),
      );
      if (rows.length === 0) return 0;

      // Give each channel's events their next sequence numbers, in ingest order.
      const counts = new Map<string, number>();
      rows.forEach((r) => counts.set(r.channel, (counts.get(r.channel) ?? 0) + 1));
      const tops = rowsOf<{ channel: string; last_seq: number | string }>(
        await tx.execute(sql`
          insert into channel_streams (channel, last_seq)
          values ${sql.join([...counts].map(([ch, n]) => sql`(${ch}, ${n})`), sql`, `)}
          on conflict (channel) do update set last_seq = channel_streams.last_seq + excluded.last_seq
          returning channel, last_seq`),
      );
      const next = new Map(tops.map((t) => [t.channel, Number(t.last_seq) - counts.get(t.channel)! + 1]));
      const publishes: PublishRequest[] = [];
      const seqs: number[] = [];
      for (const r of rows) {
        const seq = next.get(r.channel)!;
        next.set(r.channel, seq + 1);
        seqs.push(seq);
        publishes.push({ channel: r.channel, data: toStoredEvent({ ...r, seq }).envelope, idempotency_key: r.id });
      }

      const replies = await this.#centrifugo.batch(publishes);
      const transient = replies.find((reply) => reply.error && !PERMANENT_CODES.has(reply.error.code));
      if (transient?.error) throw new Error(`centrifugo refused a publication: ${transient.error.code} ${transient.error.message}`);

      // Parameters as arrays (unnest): constant statement text and building cost per batch.
      await tx.execute(sql`
        update events e set seq = u.seq, cf_offset = u.off, cf_epoch = u.epoch, published_at = now()
        from unnest(${sql.param(rows.map((r) => r.id))}::uuid[], ${sql.param(seqs)}::bigint[],
                    ${sql.param(rows.map((_, i) => replies[i]?.publish?.offset ?? null))}::bigint[],
                    ${sql.param(rows.map((_, i) => replies[i]?.publish?.epoch ?? null))}::text[]) as u(id, seq, off, epoch)
        where e.id = u.id`);
      await tx.execute(sql`delete from outbox where pos = any(${sql.param(rows.map((r) => r.pos))}::bigint[])`);
      this.#opts.onBatch?.({ size: rows.length, ms: performance.now() - started });
      return rows.length;
    });
  }
}
