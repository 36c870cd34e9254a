import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { uuidv7, type AnyEventEnvelope } from '@neo/contracts';
import { EventClient, type OutgoingEvent } from '@neo/publisher-sdk';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, postgresAvailable, type TestDatabase } from '../helpers/database';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { login, realtimeClient, subscriptionTokenFrom } from '../helpers/client';
import { eventually } from '../helpers/wait';

// The fast path: events are numbered in their ingest transaction and published from memory right after it
// commits; the outbox relay only publishes what that could not. These tests watch where publications
// come from (the service's own metrics), that the numbers are there before any publish, that a failed
// publish falls back to the relay in order, and that racing retries of one id leave no hole in the numbers.

const metric = (i: number): OutgoingEvent<'metrics_update'> => ({
  type: 'metrics_update',
  tenantId: 'acme',
  data: { instanceId: `i-${i}`, cpu: i % 100, memory: 50, disk: 40, networkIn: i, networkOut: i, uptime: i },
});
const sqlCountOutbox = sql`select count(*)::int as n from outbox`;
const indexOf = (e: AnyEventEnvelope) => Number((e.data as { instanceId: string }).instanceId.slice(2));

/** neo_published_events_total by path and the fast path's fallbacks, from the service's own /metrics. */
async function publishedBy(service: TestService): Promise<{ fast: number; relay: number; fallback: number }> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const read = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, (c) => `\\${c}`)} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { fast: read('neo_published_events_total{path="fast"}'), relay: read('neo_published_events_total{path="relay"}'), fallback: read('neo_fast_path_fallback_events_total') };
}

describe.each(DATABASE_KINDS)('the fast path (%s)', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let proxy: TcpProxy;
  let service: TestService;

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    // The service reaches Centrifugo's API through a proxy the test can cut; subscribers connect directly.
    proxy = await startTcpProxy(centrifugo.port);
    service = await startTestService(centrifugo, { ...db.env, CENTRIFUGO_URL: `http://127.0.0.1:${proxy.port}` });
  });
  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    await centrifugo?.stop();
    await db?.drop();
  });

  const subscriber = async (channel = 'metrics:acme') => {
    const { token } = await login(service.url, 'ana@acme.test');
    const client = realtimeClient(centrifugo.wsUrl, service.url, token);
    const received: AnyEventEnvelope[] = [];
    const sub = client.newSubscription(channel, { getToken: subscriptionTokenFrom(service.url, token) });
    sub.on('publication', (ctx) => received.push(ctx.data as AnyEventEnvelope));
    client.connect();
    sub.subscribe();
    await sub.ready(30_000);
    return { received, close: () => client.disconnect() };
  };

  it('publishes each commit from memory: delivered in order, the outbox empty, the relay idle', async () => {
    const { received, close } = await subscriber();
    try {
      const before = await publishedBy(service);
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
      for (let i = 0; i < 100; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => producer.publish(metric(i + j))));
      await eventually(() => expect(received.length).toBe(100), 20_000, 20);
      const seqs = received.map((e) => e.seq!);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(100);
      const after = await publishedBy(service);
      // Every one from memory (the relay may still publish some again if it ran while their outbox rows
      // were being removed: Centrifugo drops the repeat, as the subscriber's count shows).
      expect(after.fast - before.fast).toBe(100);
      await eventually(async () => expect(await service.app.database.rows(sqlCountOutbox)).toEqual([{ n: 0 }]), 10_000, 50);
    } finally {
      close();
    }
  });

  it('numbers an event in its ingest transaction: history has its seq before anything is published', async () => {
    await proxy.cut();
    try {
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
      const { id } = await producer.publish(metric(1000));
      const { token } = await login(service.url, 'ana@acme.test');
      const page = (await (await fetch(`${service.url}/v1/history?channel=metrics:acme&limit=1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: AnyEventEnvelope[] };
      expect(page.items[0]).toMatchObject({ id, seq: expect.any(Number) });
      // And the read routes' stream join has nothing pending: everything committed is numbered.
      const deployments = (await (await fetch(`${service.url}/v1/tenants/acme/deployments`, { headers: { authorization: `Bearer ${token}` } })).json()) as { pendingEventIds: string[] };
      expect(deployments.pendingEventIds).toEqual([]);
    } finally {
      await proxy.restore();
    }
  });

  it('a publish that fails is left to the relay; what follows in the channel waits for it, never overtakes it: all delivered once, in order', async () => {
    const { received, close } = await subscriber();
    try {
      const before = await publishedBy(service);
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
      await proxy.cut();
      for (let i = 2000; i < 2020; i++) await producer.publish(metric(i));
      await proxy.restore();
      // Published once Centrifugo is reachable: by the relay (the rows were left to it), then by whichever path.
      for (let i = 2020; i < 2040; i++) await producer.publish(metric(i));
      await eventually(() => expect(received.filter((e) => indexOf(e) >= 2000).length).toBeGreaterThanOrEqual(40), 30_000, 50);
      const late = received.filter((e) => indexOf(e) >= 2000);
      expect(late.map(indexOf)).toEqual(Array.from({ length: 40 }, (_, i) => 2000 + i));
      // The first failure was handed to the relay; the channel's later batches waited for it (never
      // overtaking it), then went on from memory.
      // The counters move when a publisher's call returns (and the relay's only after it recorded the
      // batch), which can be after the subscriber already has the publication: read them until they do.
      await eventually(async () => {
        const after = await publishedBy(service);
        expect(after.fallback - before.fallback).toBeGreaterThanOrEqual(1);
        expect(after.relay - before.relay).toBeGreaterThanOrEqual(1);
      }, 10_000, 50);
    } finally {
      close();
    }
  });
});

describe.skipIf(!postgresAvailable && process.env.CI !== 'true')('racing retries of one id (PostgreSQL)', () => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase('postgres');
    service = await startTestService(centrifugo, db.env);
  });
  afterAll(async () => {
    await service?.stop();
    await centrifugo?.stop();
    await db?.drop();
  });

  it('the same ids sent at once by many requests are stored once, every request gets the first answer, and the numbers have no hole', async () => {
    const shared = Array.from({ length: 5 }, () => uuidv7());
    const requests = Array.from({ length: 24 }, (_, r) => ({
      events: [...shared.map((id, j) => ({ ...metric(j), id })), { ...metric(100 + r), id: uuidv7() }],
    }));
    const answers = await Promise.all(
      requests.map(async (body) => {
        const res = await fetch(`${service.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${service.ingestKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as { accepted: Array<{ id: string; channel: string }> } };
      }),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(answers.every((a) => shared.every((id, j) => a.body.accepted[j]!.id === id && a.body.accepted[j]!.channel === 'metrics:acme'))).toBe(true);
    const pgc = new pg.Client({ connectionString: db.url });
    await pgc.connect();
    try {
      const { rows } = await pgc.query<{ n: string; min: string; max: string; distinct_seq: string }>(`select count(*) as n, min(seq) as min, max(seq) as max, count(distinct seq) as distinct_seq from events where channel = 'metrics:acme'`);
      expect(rows[0]).toEqual({ n: String(5 + 24), min: '1', max: String(5 + 24), distinct_seq: String(5 + 24) });
    } finally {
      await pgc.end();
    }
  });
});
