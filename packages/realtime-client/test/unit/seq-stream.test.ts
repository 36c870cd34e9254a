import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeqStream, type SequencedEvent } from '../../src/index';

interface Ev extends SequencedEvent {
  seq: number;
}

const ev = (seq: number): Ev => ({ id: `e-${seq}`, seq });

/** A channel's durable history: events 1..n, read after a sequence like `GET /v1/history?afterSeq=`. */
function store() {
  const events: Ev[] = [];
  return {
    events,
    publish(): Ev {
      const e = ev(events.length + 1);
      events.push(e);
      return e;
    },
    after(afterSeq: number, limit: number): Ev[] {
      return events.filter((e) => e.seq > afterSeq).slice(0, limit);
    },
  };
}

const FAST = { minDelayMs: 1, maxDelayMs: 2 };

describe('SeqStream (examples)', () => {
  it('holds live events until anchored, then applies only those after the anchor, in order', async () => {
    const s = store();
    for (let i = 0; i < 5; i++) s.publish();
    const seen: number[] = [];
    const stream = new SeqStream<Ev>({ fetchAfter: async (a, l) => s.after(a, l), onEvent: (e) => seen.push(e.seq), backoff: FAST });
    stream.receive(s.publish()); // 6, before the state is loaded
    expect(seen).toEqual([]);
    stream.anchor({ streamSeq: 4 }); // the state holds 1..4
    await stream.idle();
    expect(seen).toEqual([5, 6]);
    stream.receive(s.events[5]!); // a repeat
    stream.receive(s.publish());
    expect(seen).toEqual([5, 6, 7]);
  });

  it('fills a hole from the history, paged, then replays what arrived live', async () => {
    const s = store();
    const seen: number[] = [];
    const reads: number[] = [];
    const stream = new SeqStream<Ev>({
      fetchAfter: async (a, l) => {
        reads.push(a);
        return s.after(a, l);
      },
      onEvent: (e) => seen.push(e.seq),
      pageSize: 3,
      backoff: FAST,
    });
    stream.anchor({ streamSeq: 0 });
    await stream.idle();
    for (let i = 0; i < 8; i++) s.publish(); // 1..8 missed
    stream.receive(s.publish()); // 9: a hole
    await stream.idle();
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(reads).toEqual([0, 0, 3, 6, 9]); // a full page may have more behind it
  });

  it('retries a failed catch-up read with backoff and reports each failure', async () => {
    const s = store();
    s.publish();
    let failures = 2;
    const errors: unknown[] = [];
    const seen: number[] = [];
    const stream = new SeqStream<Ev>({
      fetchAfter: async (a, l) => {
        if (failures-- > 0) throw new Error('503');
        return s.after(a, l);
      },
      onEvent: (e) => seen.push(e.seq),
      onError: (err) => errors.push(err),
      backoff: FAST,
    });
    stream.anchor({ streamSeq: 0 });
    await stream.idle();
    expect(seen).toEqual([1]);
    expect(errors).toHaveLength(2);
  });

  it('a resubscribe Centrifugo could not recover reads the history; a recovered one does not', async () => {
    const s = store();
    let reads = 0;
    const seen: number[] = [];
    const stream = new SeqStream<Ev>({ fetchAfter: async (a, l) => (reads++, s.after(a, l)), onEvent: (e) => seen.push(e.seq), backoff: FAST });
    stream.anchor({ streamSeq: 0 });
    await stream.idle();
    s.publish();
    s.publish();
    stream.subscribed({ wasRecovering: true, recovered: true });
    await stream.idle();
    expect(reads).toBe(1);
    stream.subscribed({ wasRecovering: true, recovered: false });
    await stream.idle();
    expect(reads).toBe(2);
    expect(seen).toEqual([1, 2]);
  });

  it('skips events the state holds but that were not numbered yet (pendingEventIds)', async () => {
    const seen: string[] = [];
    const stream = new SeqStream<SequencedEvent>({ fetchAfter: async () => [], onEvent: (e) => seen.push(e.id), backoff: FAST });
    stream.anchor({ streamSeq: 3, pendingEventIds: ['late'] });
    await stream.idle();
    stream.receive({ id: 'late', seq: 4 });
    stream.receive({ id: 'next', seq: 5 });
    expect(seen).toEqual(['next']);
  });

  it('asks for a reload when the anchor could not be exact (pendingOverflow)', async () => {
    let reloads = 0;
    const stream = new SeqStream<Ev>({ fetchAfter: async () => [], onEvent: () => {}, reload: () => reloads++, reloadDelayMs: 5, backoff: FAST });
    stream.anchor({ streamSeq: 0, pendingEventIds: [], pendingOverflow: true });
    await new Promise((r) => setTimeout(r, 30));
    expect(reloads).toBe(1);
    stream.stop();
  });

  it('a hole the store cannot fill (retention removed it) is passed over once, not read forever', async () => {
    let reads = 0;
    const seen: number[] = [];
    const stream = new SeqStream<Ev>({ fetchAfter: async () => (reads++, []), onEvent: (e) => seen.push(e.seq), backoff: FAST });
    stream.anchor({ streamSeq: 0 });
    await stream.idle();
    stream.receive(ev(5));
    await stream.idle();
    expect(seen).toEqual([5]);
    expect(reads).toBe(2);
  });

  it('a page read for an older anchor is not applied to the reloaded state', async () => {
    const s = store();
    for (let i = 0; i < 4; i++) s.publish();
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const stream = new SeqStream<Ev>({
      fetchAfter: async (a, l) => {
        if (first) {
          first = false;
          await gate;
        }
        return s.after(a, l);
      },
      onEvent: (e) => seen.push(e.seq),
      backoff: FAST,
    });
    stream.anchor({ streamSeq: 0 }); // the read of 1..4 is slow
    seen.length = 0;
    stream.anchor({ streamSeq: 2 }); // the state was loaded again and holds 1..2
    release();
    await stream.idle();
    expect(seen).toEqual([3, 4]);
  });

  it('stop ends a catch-up that keeps failing', async () => {
    const stream = new SeqStream<Ev>({ fetchAfter: async () => Promise.reject(new Error('down')), onEvent: () => {}, backoff: FAST });
    stream.anchor({ streamSeq: 0 });
    await new Promise((r) => setTimeout(r, 20));
    stream.stop();
    await stream.idle();
    expect(stream.stopped).toBe(true);
  });
});

/*
 * The property: whatever the interleaving of live publications, dropped connections, Centrifugo
 * recoveries (or their failure), duplicate deliveries, reloads of the state and catch-up pages that
 * answer late, fail or come in any order, the consumer's state is built from each event once, in seq
 * order, with nothing missing.
 */
type Step =
  | { kind: 'publish' }
  | { kind: 'duplicate'; back: number }
  | { kind: 'disconnect' }
  | { kind: 'reconnect'; recovered: boolean; subscribedFirst: boolean }
  | { kind: 'reload' }
  | { kind: 'settle' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Step>({ kind: 'publish' }) },
  { weight: 1, arbitrary: fc.nat({ max: 5 }).map<Step>((back) => ({ kind: 'duplicate', back })) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'disconnect' }) },
  { weight: 1, arbitrary: fc.record({ recovered: fc.boolean(), subscribedFirst: fc.boolean() }).map<Step>((r) => ({ kind: 'reconnect', ...r })) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'reload' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'settle' }) },
);

describe('SeqStream (property)', () => {
  it('each event once, in seq order, nothing missing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.nat({ max: 6 }), // events stored before the page loads
        fc.array(stepArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }), // page size
        fc.array(fc.boolean(), { maxLength: 10 }), // which catch-up reads fail
        async (s, initial, steps, pageSize, failures) => {
          const server = store();
          for (let i = 0; i < initial; i++) server.publish();
          // The consumer's state: the seqs applied, in order. Reloading it replaces it with the store's.
          let state: number[] = [];
          const violations: string[] = [];
          let failIndex = 0;
          // Each read answers when the scheduler says so, in any order, and some fail.
          const fetchAfter = async (afterSeq: number, limit: number) => {
            const fail = failures[failIndex++];
            await s.schedule(Promise.resolve(), 'page');
            if (fail) throw new Error('history unavailable');
            return server.after(afterSeq, limit);
          };
          const stream = new SeqStream<Ev>({
            fetchAfter,
            onEvent: (e) => {
              if (e.seq !== state.length + 1) violations.push(`got ${e.seq} after ${state.length}`);
              state.push(e.seq);
            },
            pageSize,
            backoff: { minDelayMs: 0, maxDelayMs: 0 },
          });
          let connected = true;
          let missed: Ev[] = [];
          const deliverLive = (e: Ev) => s.schedule(Promise.resolve()).then(() => stream.receive(e));
          const pending: Promise<unknown>[] = [];

          // The page loads its state (the store as it is) over HTTP; the subscription is already live.
          const load = () => {
            stream.unanchor();
            pending.push(
              s.schedule(Promise.resolve(server.events.length), 'load').then((streamSeq) => {
                state = Array.from({ length: streamSeq }, (_, i) => i + 1);
                stream.anchor({ streamSeq });
              }),
            );
          };
          load();

          for (const step of steps) {
            switch (step.kind) {
              case 'publish': {
                const e = server.publish();
                if (connected) pending.push(deliverLive(e));
                else missed.push(e);
                break;
              }
              case 'duplicate': {
                const e = server.events[server.events.length - 1 - step.back];
                if (e && connected) pending.push(deliverLive(e));
                break;
              }
              case 'disconnect':
                connected = false;
                break;
              case 'reconnect': {
                if (connected) break;
                connected = true;
                const recovered = step.recovered ? missed : [];
                missed = [];
                const info = { wasRecovering: true, recovered: step.recovered };
                pending.push(
                  s.schedule(Promise.resolve(), 'resubscribe').then(() => {
                    if (step.subscribedFirst) stream.subscribed(info);
                    recovered.forEach((e) => stream.receive(e));
                    if (!step.subscribedFirst) stream.subscribed(info);
                  }),
                );
                break;
              }
              case 'reload':
                load();
                break;
              case 'settle':
                // One scheduled thing happens, if anything is scheduled (waitOne throws on an empty schedule).
                if (s.count() > 0) await s.waitOne();
                break;
            }
          }
          // The connection comes back in the end (Centrifugo's resubscribe tells the client).
          if (!connected) {
            missed = [];
            pending.push(s.schedule(Promise.resolve()).then(() => stream.subscribed({ wasRecovering: true, recovered: false })));
          }
          // Everything scheduled runs (in the scheduler's order), and the retry timers of failed reads fire.
          for (let i = 0; i < 1000; i++) {
            await s.waitAll();
            await new Promise((r) => setTimeout(r, 0));
            if (s.count() === 0 && stream.anchored && !stream.catchingUp) break;
          }
          stream.stop();
          expect(violations).toEqual([]);
          expect(state).toEqual(server.events.map((e) => e.seq));
        },
      ),
      { numRuns: 200 },
    );
  }, 120_000);
});

describe('SeqStream (events without seq)', () => {
  it('delivers an event without a sequence once, by id', async () => {
    const seen: string[] = [];
    const stream = new SeqStream<SequencedEvent>({ fetchAfter: async () => [], onEvent: (e) => seen.push(e.id), backoff: FAST });
    stream.anchor({ streamSeq: 0 });
    await stream.idle();
    stream.receive({ id: 'a' });
    stream.receive({ id: 'a' });
    stream.receive({ id: 'b' });
    expect(seen).toEqual(['a', 'b']);
  });
});
