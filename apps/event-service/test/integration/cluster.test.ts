import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Centrifuge, PublicationContext, SubscribedContext } from 'centrifuge';
import { EventClient, type OutgoingEvent } from '@neo/publisher-sdk';
import type { AnyEventEnvelope } from '@neo/contracts';
import { REDIS_URL } from '../../../../scripts/lib/services.mjs';
import { CentrifugoClient } from '../../src/centrifugo/client';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startFailoverProxy, type FailoverProxy } from '../helpers/failover-proxy';
import { login, realtimeClient, subscriptionTokenFrom } from '../helpers/client';
import { collectStream } from '../helpers/stream';
import { eventually } from '../helpers/wait';

/*
 * Scale-out on one machine: two Centrifugo nodes on the local Redis engine (one prefix, one set of
 * secrets) and two event-service instances (each with its relay) on one local Postgres. Both services
 * reach Centrifugo's API through a failover proxy, a stand-in for the production load balancer:
 * while node 1 lives every API call lands on it, so a client on node 2 only gets an event through
 * Redis.
 */
const CI = process.env.CI === 'true';
const available = process.env.TEST_REDIS_AVAILABLE !== '0' && process.env.TEST_POSTGRES_AVAILABLE !== '0';
if (!available && !CI) console.warn('!!! Redis at 127.0.0.1:6379 or PostgreSQL at 127.0.0.1:5432 is not reachable: the cluster tests are SKIPPED !!!');

const metric = (i: number): OutgoingEvent<'metrics_update'> => ({
  type: 'metrics_update',
  tenantId: 'acme',
  data: { instanceId: `i-${i}`, cpu: i % 100, memory: 50, disk: 40, networkIn: i, networkOut: i, uptime: i },
});
const indexOf = (e: AnyEventEnvelope) => Number((e.data as { instanceId: string }).instanceId.slice(2));

/**
 * The portal's engine on `channel` (`received`: what it delivers), and beside it what Centrifugo itself
 * delivers on the same subscription (`raw`, duplicates included: the engine would hide them).
 */
function subscribe(client: Centrifuge, serviceUrl: string, token: string, channel: string) {
  const { stream, start, received } = collectStream(client, () => serviceUrl, token, channel);
  const raw: AnyEventEnvelope[] = [];
  const subscribed: SubscribedContext[] = [];
  const sub = start();
  sub.on('publication', (ctx: PublicationContext) => raw.push(ctx.data as AnyEventEnvelope));
  sub.on('subscribed', (ctx) => subscribed.push(ctx));
  return { sub, stream, received, raw, subscribed };
}

/** A plain SDK subscription: presence needs only to be subscribed. */
function join(client: Centrifuge, serviceUrl: string, token: string, channel: string) {
  const sub = client.newSubscription(channel, { getToken: subscriptionTokenFrom(serviceUrl, token) });
  sub.subscribe();
  return { sub };
}

describe.skipIf(!available && !CI)('cluster: two Centrifugo nodes on Redis, two event services on one Postgres', () => {
  let node1: TestCentrifugo;
  let node2: TestCentrifugo;
  let balancer: FailoverProxy;
  let db: TestDatabase;
  let svc1: TestService;
  let svc2: TestService;
  const clients: Centrifuge[] = [];

  beforeAll(async () => {
    // A prefix of its own: the local Redis is shared with other tests and runs.
    const redisPrefix = `neo-test-${randomBytes(6).toString('hex')}`;
    node1 = await startTestCentrifugo({ engine: 'redis', redisUrl: REDIS_URL, redisPrefix });
    node2 = await startTestCentrifugo({ engine: 'redis', redisUrl: REDIS_URL, redisPrefix, apiKey: node1.apiKey, tokenSecret: node1.tokenSecret });
    balancer = await startFailoverProxy([node1.port, node2.port]);
    db = await createTestDatabase('postgres');
    // One identity provider and one set of ingest keys for both instances, as behind one load balancer.
    const shared = {
      ...db.env,
      AUTH_JWT_SECRET: `test-${randomBytes(24).toString('hex')}`,
      INGEST_API_KEYS: `test-ingest-${randomBytes(12).toString('hex')}`,
      CENTRIFUGO_URL: `http://127.0.0.1:${balancer.port}`,
      CENTRIFUGO_ENGINE: 'redis',
      REDIS_URL,
    };
    svc1 = await startTestService(node1, shared);
    svc2 = await startTestService(node1, shared);
  });
  afterAll(async () => {
    clients.forEach((c) => c.disconnect());
    await svc1?.stop();
    await svc2?.stop();
    await balancer?.close();
    await node1?.stop();
    await node2?.stop();
    await db?.drop();
  });

  const connect = (wsUrl: string, serviceUrl: string, token: string) => {
    const client = realtimeClient(wsUrl, serviceUrl, token);
    clients.push(client);
    client.connect();
    return client;
  };

  it('a client on node 2 receives an event ingested through instance 1 (published on node 1)', async () => {
    const { token } = await login(svc1.url, 'ana@acme.test');
    const client = connect(node2.wsUrl, svc2.url, token);
    const { sub, stream, received, raw } = subscribe(client, svc2.url, token, 'billing:acme');
    await sub.ready(30_000);
    const producer = new EventClient({ baseUrl: svc1.url, apiKey: svc1.ingestKey });
    const { id } = await producer.publish({ type: 'billing_plan_change', tenantId: 'acme', data: { fromPlan: 'basic', toPlan: 'pro' } });
    await eventually(() => expect(received.map((e) => e.id)).toEqual([id]));
    await eventually(() => expect(raw.map((e) => e.id)).toEqual([id]));
    // Node 1 took the publication (the balancer prefers it while it lives); node 2 only had it from Redis.
    const api1 = new CentrifugoClient({ url: node1.url, apiKey: node1.apiKey });
    await eventually(async () => expect((await api1.info()).nodes).toHaveLength(2));
    await api1.close();
    stream.stop();
  });

  it('presence of users connected to different nodes is one list, the same on both nodes', async () => {
    const ana = (await login(svc1.url, 'ana@acme.test')).token;
    const luis = (await login(svc2.url, 'luis@acme.test')).token;
    const onNode1 = join(connect(node1.wsUrl, svc1.url, ana), svc1.url, ana, 'presence:acme');
    const onNode2 = join(connect(node2.wsUrl, svc2.url, luis), svc2.url, luis, 'presence:acme');
    await Promise.all([onNode1.sub.ready(30_000), onNode2.sub.ready(30_000)]);
    for (const node of [node1, node2]) {
      const api = new CentrifugoClient({ url: node.url, apiKey: node.apiKey });
      await eventually(async () => {
        const users = Object.values(await api.presence('presence:acme')).map((c) => c.user);
        expect(users.sort()).toEqual(['u-ana', 'u-luis']);
      });
      await api.close();
    }
    onNode1.sub.unsubscribe();
    onNode2.sub.unsubscribe();
  });

  it('two relays on one database never publish an event twice (1,000 events alternating between instances)', async () => {
    const { token } = await login(svc1.url, 'ana@acme.test');
    const client = connect(node2.wsUrl, svc2.url, token);
    const { sub, stream, received, raw } = subscribe(client, svc2.url, token, 'metrics:acme');
    await sub.ready(30_000);
    const producers = [svc1, svc2].map((s) => new EventClient({ baseUrl: s.url, apiKey: s.ingestKey }));
    const N = 1000;
    const ids: string[] = [];
    // 10 requests in flight, each event through the other instance than the one before.
    for (let i = 0; i < N; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => producers[(i + j) % 2]!.publish(metric(i + j))));
      ids.push(...batch.map((a) => a.id));
    }
    await eventually(() => expect(raw.length).toBeGreaterThanOrEqual(N), 30_000, 50);
    // Both relays idle: anything they would publish twice has been published by now.
    await Promise.all([svc1.app.relay.whenIdle(), svc2.app.relay.whenIdle()]);
    // What Centrifugo delivered: no event twice.
    expect(raw).toHaveLength(N);
    expect(new Set(raw.map((e) => e.id)).size).toBe(N);
    expect(new Set(raw.map((e) => e.id))).toEqual(new Set(ids));
    // What the engine delivered: the same events, in seq order.
    await eventually(() => expect(received).toHaveLength(N), 30_000, 50);
    expect(received.map((e) => e.id)).toEqual(raw.map((e) => e.id));
    // Per channel, sequence numbers follow ingest order; with concurrent producers that is commit order.
    const seqs = received.map((e) => (e as AnyEventEnvelope & { seq?: number }).seq).filter((s) => s !== undefined);
    expect(seqs).toHaveLength(N);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const pgc = new pg.Client({ connectionString: db.url });
    await pgc.connect();
    try {
      const { rows } = await pgc.query<{ n: string; seqs: string; min: string; max: string; outbox: string }>(`
        select count(*) as n, count(distinct seq) as seqs, min(seq) as min, max(seq) as max,
               (select count(*) from outbox) as outbox
        from events where channel = 'metrics:acme'`);
      expect(rows[0]).toEqual({ n: String(N), seqs: String(N), min: '1', max: String(N), outbox: '0' });
    } finally {
      await pgc.end();
    }
    expect(received.map(indexOf).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    stream.stop();
  });

  it('when a Centrifugo node is killed, its clients reconnect to the other and recover what they missed', async () => {
    const { token } = await login(svc1.url, 'ana@acme.test');
    // Through the balancer: it lands on node 1 now, and on node 2 once node 1 is gone.
    const client = connect(`ws://127.0.0.1:${balancer.port}/connection/websocket`, svc1.url, token);
    const { sub, stream, received, subscribed } = subscribe(client, svc1.url, token, 'alerts:acme');
    await sub.ready(30_000);
    const producer = new EventClient({ baseUrl: svc1.url, apiKey: svc1.ingestKey });
    const alert = (i: number): OutgoingEvent<'alert'> => ({ type: 'alert', tenantId: 'acme', data: { alertId: `a-${i}`, rule: 'disk', severity: 'warning', message: `alert ${i}` } });
    for (let i = 0; i < 20; i++) await producer.publish(alert(i));
    await eventually(() => expect(received).toHaveLength(20));

    await node1.kill();
    // Published while the client has no connection: the relay's API calls now reach node 2.
    for (let i = 20; i < 60; i++) await producer.publish(alert(i));
    await eventually(() => expect(received.length).toBeGreaterThanOrEqual(60), 30_000, 50);
    const messages = received.map((e) => (e.data as { message: string }).message);
    expect(messages).toEqual(Array.from({ length: 60 }, (_, i) => `alert ${i}`));
    // Centrifugo itself recovered the gap from the stream history in Redis (not a reload from the service).
    const resubscribe = subscribed.at(-1)!;
    expect(subscribed.length).toBeGreaterThanOrEqual(2);
    expect(resubscribe.wasRecovering).toBe(true);
    expect(resubscribe.recovered).toBe(true);
    // Node 1 is gone, so the client that recovered is on node 2.
    expect(client.state).toBe('connected');
    stream.stop();
  });
});
