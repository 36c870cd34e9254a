import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { EventClient, type OutgoingEvent } from '@neo/publisher-sdk';
import type { AnyEventEnvelope } from '@neo/contracts';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startServiceProcess } from '../helpers/process';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/database';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { startOwnPostgres, postgresBinDir, type OwnPostgres } from '../helpers/own-postgres';
import { login, realtimeClient, subscriptionTokenFrom } from '../helpers/client';
import { collectStream } from '../helpers/stream';
import { eventually } from '../helpers/wait';

// Faults the other reliability tests do not cover: PostgreSQL itself stopped and started again (not a
// cut connection), and the relay's process killed after Centrifugo published a batch but before the
// relay recorded it — watched by a subscriber that does NOT de-duplicate, so a double publication shows.

const metric = (i: number, tenantId = 'acme'): OutgoingEvent<'metrics_update'> => ({
  type: 'metrics_update',
  tenantId,
  data: { instanceId: `i-${i}`, cpu: i % 100, memory: 50, disk: 40, networkIn: i, networkOut: i, uptime: i },
});
const indexOf = (e: AnyEventEnvelope) => Number((e.data as { instanceId: string }).instanceId.slice(2));
const CI = process.env.CI === 'true';
const canRunOwnPostgres = postgresBinDir() !== null;
if (!canRunOwnPostgres) console.warn('!!! no PostgreSQL server binaries: the "PostgreSQL stopped and restarted" test is SKIPPED !!!');

describe('faults of the pipeline', () => {
  let centrifugo: TestCentrifugo;
  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
  });
  afterAll(async () => {
    await centrifugo?.stop();
  });

  it.skipIf(!canRunOwnPostgres && !CI)('PostgreSQL stopped and started again: ingest answers 503 meanwhile, every event acknowledged is delivered once, in order', async () => {
    const own: OwnPostgres = await startOwnPostgres();
    const service = await startServiceProcess(centrifugo, { DATABASE_URL: own.url });
    const { token } = await login(service.url, 'ana@acme.test');
    const client = realtimeClient(centrifugo.wsUrl, service.url, token);
    const { stream, start, received } = collectStream(client, () => service.url, token, 'metrics:acme');
    try {
      client.connect();
      await start().ready(30_000);
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey, maxElapsedMs: 120_000, maxAttempts: 1000, maxBackoffMs: 500, timeoutMs: 5000 });
      const N = 200;
      const acknowledged: string[] = [];
      const statuses = new Set<number>();
      for (let i = 0; i < N; i++) {
        if (i === 80) {
          await own.stop();
          // While the database is down: 503 with Retry-After, never a hang or a 500.
          const res = await fetch(`${service.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${service.ingestKey}`, 'content-type': 'application/json' }, body: JSON.stringify(metric(9999)), signal: AbortSignal.timeout(15_000) });
          statuses.add(res.status);
          expect(res.headers.get('retry-after')).not.toBeNull();
          expect((await fetch(`${service.url}/readyz`)).status).toBe(503);
          // The producer keeps retrying event 80 until the database is back.
          const inFlight = producer.publish(metric(i));
          await new Promise((r) => setTimeout(r, 2_000));
          await own.start();
          acknowledged.push((await inFlight).id);
          continue;
        }
        acknowledged.push((await producer.publish(metric(i))).id);
      }
      expect([...statuses]).toEqual([503]);
      await eventually(async () => expect((await fetch(`${service.url}/readyz`)).status).toBe(200), 30_000, 200);
      await eventually(() => expect(received.length).toBeGreaterThanOrEqual(N), 60_000, 100);
      expect(received.map(indexOf)).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(received.map((e) => e.id)).toEqual(acknowledged);
    } finally {
      stream.stop();
      client.disconnect();
      await service.stop();
      await own.destroy();
    }
  });

  it.skipIf(!postgresAvailable && !CI)('the relay killed between publishing and recording a batch: after restart it publishes again, Centrifugo drops the repeat, a raw subscriber sees each event once', async () => {
    const db: TestDatabase = await createTestDatabase('postgres');
    // The relay reaches Centrifugo through a proxy the test can cut.
    const toCentrifugo = await startTcpProxy(centrifugo.port);
    const service = await startServiceProcess(centrifugo, { ...db.env, CENTRIFUGO_URL: `http://127.0.0.1:${toCentrifugo.port}` });
    const { token } = await login(service.url, 'ana@acme.test');
    // A raw subscriber: every publication counted by id, no de-duplication.
    const client = realtimeClient(centrifugo.wsUrl, service.url, token);
    const seen = new Map<string, number>();
    const sub = client.newSubscription('metrics:acme', { getToken: subscriptionTokenFrom(service.url, token) });
    sub.on('publication', (ctx) => {
      const id = (ctx.data as AnyEventEnvelope).id;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    });
    const locker = new pg.Client({ connectionString: db.url });
    try {
      client.connect();
      sub.subscribe();
      await sub.ready(30_000);
      await locker.connect();
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });

      // 1. Centrifugo unreachable for the relay: 50 events stored, numbered, not published.
      await toCentrifugo.cut();
      const N = 50;
      const ids = (await producer.publishBatch(Array.from({ length: N }, (_, i) => metric(i)))).map((a) => a.id);
      await eventually(async () => {
        const { rows } = await locker.query<{ n: string }>('select count(*) as n from outbox o join events e on e.pos = o.pos where e.seq is not null');
        expect(Number(rows[0]!.n)).toBe(N);
      }, 30_000, 100);
      // 2. The rows locked, so that the relay's recording (it deletes them from the outbox) must wait.
      await locker.query('begin');
      await locker.query('select pos from outbox for update');
      // 3. Centrifugo back: the relay publishes; the subscriber sees all 50; the relay waits to record them.
      await toCentrifugo.restore();
      await eventually(() => expect(ids.every((id) => seen.get(id) === 1)).toBe(true), 30_000, 50);
      // 4. Killed between publish and commit: the batch is still in the outbox.
      await service.kill();
      const { rows } = await locker.query<{ n: string }>('select count(*) as n from outbox');
      expect(Number(rows[0]!.n)).toBe(N);
      await locker.query('rollback');
      // 5. Restarted: the relay publishes the same 50 again (same seq, same idempotency keys) and records them.
      await service.start();
      await eventually(async () => {
        const { rows: left } = await locker.query<{ n: string }>('select count(*) as n from outbox');
        expect(Number(left[0]!.n)).toBe(0);
      }, 30_000, 100);
      // A sentinel published after them arrives after anything the restart published (order per channel).
      const sentinel = (await producer.publish(metric(N))).id;
      await eventually(() => expect(seen.get(sentinel)).toBe(1), 30_000, 50);
      expect(ids.map((id) => seen.get(id))).toEqual(ids.map(() => 1));
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await locker.end().catch(() => {});
      client.disconnect();
      await service.stop();
      await toCentrifugo.close();
      await db.drop();
    }
  });
});
