import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscribedContext } from 'centrifuge';
import { EventClient, type OutgoingEvent } from '@neo/publisher-sdk';
import type { AnyEventEnvelope } from '@neo/contracts';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService } from '../helpers/service';
import { startServiceProcess } from '../helpers/process';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { login, realtimeClient } from '../helpers/client';
import { collectStream } from '../helpers/stream';
import { eventually } from '../helpers/wait';

const metric = (i: number): OutgoingEvent<'metrics_update'> => ({
  type: 'metrics_update',
  tenantId: 'acme',
  data: { instanceId: `i-${i}`, cpu: i % 100, memory: 50, disk: 40, networkIn: i, networkOut: i, uptime: i },
});
const indexOf = (e: AnyEventEnvelope) => Number((e.data as { instanceId: string }).instanceId.slice(2));

/** All of 0..n-1, in order, each once. */
function expectExactlyInOrder(received: AnyEventEnvelope[], n: number) {
  const indexes = received.map(indexOf);
  expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
  expect(indexes).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe.each(DATABASE_KINDS)('reliability on %s', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
  });
  afterAll(async () => {
    await centrifugo?.stop();
  });

  it('(a) Centrifugo killed and restarted during 2,000 events: a subscriber that stays gets all, in order, once', async () => {
    db = await createTestDatabase(kind);
    const service = await startTestService(centrifugo, db.env);
    const { token } = await login(service.url, 'ana@acme.test');
    const client = realtimeClient(centrifugo.wsUrl, service.url, token);
    const { stream, start, received } = collectStream(client, () => service.url, token, 'metrics:acme');
    const recoveries: SubscribedContext[] = [];
    try {
      client.connect();
      const subscription = start();
      subscription.on('subscribed', (ctx) => ctx.wasRecovering && recoveries.push(ctx));
      await subscription.ready(30_000);
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
      const N = 2000;
      for (let i = 0; i < N; i += 20) {
        await producer.publishBatch(Array.from({ length: 20 }, (_, j) => metric(i + j)));
        if (i === 600) await centrifugo.kill();
        if (i === 800) await centrifugo.start();
      }
      await eventually(() => expect(received.length).toBeGreaterThanOrEqual(N), 60_000, 100);
      expectExactlyInOrder(received, N);
      // The memory engine lost its history: Centrifugo could not recover, the durable history did.
      expect(recoveries.some((ctx) => !ctx.recovered)).toBe(true);
    } finally {
      stream.stop();
      client.disconnect();
      await service.stop();
      await db.drop();
    }
  });

  it('(b) the event service SIGKILLed mid-stream: every 202 is delivered after restart, SDK retries make no duplicates', async () => {
    db = await createTestDatabase(kind);
    const service = await startServiceProcess(centrifugo, db.env);
    const { token } = await login(service.url, 'ana@acme.test');
    const client = realtimeClient(centrifugo.wsUrl, service.url, token);
    const { stream, start, received } = collectStream(client, () => service.url, token, 'metrics:acme');
    try {
      client.connect();
      await start().ready(30_000);
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey, maxElapsedMs: 60_000, maxAttempts: 100, maxBackoffMs: 500, timeoutMs: 2000 });
      const N = 300;
      const acknowledged: string[] = [];
      let restarted: Promise<void> | null = null;
      for (let i = 0; i < N; i++) {
        if (i === 100) {
          // Kill while a request may be in flight, and bring it back while the producer retries.
          const inFlight = producer.publish(metric(i));
          await service.kill();
          restarted = service.start();
          acknowledged.push((await inFlight).id);
          continue;
        }
        acknowledged.push((await producer.publish(metric(i))).id);
      }
      await restarted;
      await eventually(() => expect(received.length).toBeGreaterThanOrEqual(N), 60_000, 100);
      expectExactlyInOrder(received, N);
      expect(received.map((e) => e.id)).toEqual(acknowledged);
    } finally {
      stream.stop();
      client.disconnect();
      await service.stop();
      await db.drop();
    }
  });

  it('(c) a subscriber whose transport is cut for 10 s recovers with nothing missing', async () => {
    db = await createTestDatabase(kind);
    const service = await startTestService(centrifugo, db.env);
    const proxy = await startTcpProxy(centrifugo.port);
    const { token } = await login(service.url, 'ana@acme.test');
    const client = realtimeClient(`ws://127.0.0.1:${proxy.port}/connection/websocket`, service.url, token);
    const { stream, start, received } = collectStream(client, () => service.url, token, 'metrics:acme');
    const recoveries: SubscribedContext[] = [];
    try {
      client.connect();
      const subscription = start();
      subscription.on('subscribed', (ctx) => ctx.wasRecovering && recoveries.push(ctx));
      await subscription.ready(30_000);
      const producer = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey });
      for (let i = 0; i < 50; i++) await producer.publish(metric(i));
      await eventually(() => expect(received.length).toBe(50));
      await proxy.cut();
      const cutAt = Date.now();
      for (let i = 50; i < 150; i++) await producer.publish(metric(i));
      await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - cutAt)))); // the outage itself
      await proxy.restore();
      await eventually(() => expect(received.length).toBeGreaterThanOrEqual(150), 30_000, 100);
      expectExactlyInOrder(received, 150);
      expect(recoveries.at(-1)?.recovered).toBe(true);
    } finally {
      stream.stop();
      client.disconnect();
      await proxy.close();
      await service.stop();
      await db.drop();
    }
  });

  it.skipIf(kind === 'pglite')('(d) Postgres unreachable: ingest answers 503 quickly, and recovers by itself', async () => {
    db = await createTestDatabase(kind);
    const pgPort = Number(new URL(db.url!).port || 5432);
    const proxy = await startTcpProxy(pgPort);
    const viaProxy = new URL(db.url!);
    viaProxy.port = String(proxy.port);
    const service = await startTestService(centrifugo, { ...db.env, DATABASE_URL: viaProxy.toString() });
    const post = () => fetch(`${service.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${service.ingestKey}` }, body: JSON.stringify(metric(1)) });
    const { token } = await login(service.url, 'ana@acme.test');
    try {
      expect((await post()).status).toBe(202);
      await proxy.cut();
      const started = Date.now();
      const res = await post();
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toBe('2');
      expect(await res.json()).toMatchObject({ code: 'ERR_DATABASE_UNAVAILABLE', status: 503 });
      expect(elapsed).toBeLessThan(5_000);
      const ready = await fetch(`${service.url}/readyz`);
      expect(ready.status).toBe(503);
      // Read routes too: the error handler maps an unreachable database to 503 for every route.
      for (const path of ['/v1/history?channel=metrics:acme', '/v1/tenants/acme/deployments', '/v1/tenants/acme/alerts', '/v1/tenants/acme/notifications']) {
        const read = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        expect(read.status, path).toBe(503);
        expect(await read.json()).toMatchObject({ code: 'ERR_DATABASE_UNAVAILABLE' });
      }
      await proxy.restore();
      await eventually(async () => expect((await post()).status).toBe(202), 20_000, 250);
      await eventually(async () => expect((await fetch(`${service.url}/readyz`)).status).toBe(200), 20_000, 250);
    } finally {
      await service.stop();
      await proxy.close();
      await db.drop();
    }
  });
});
