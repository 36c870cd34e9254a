import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedIngestKey } from '@neo/contracts';
import { EventClient, type OutgoingEvent } from '@neo/publisher-sdk';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login, realtimeClient } from '../helpers/client';
import { collectStream } from '../helpers/stream';
import { eventually } from '../helpers/wait';

// Performance isolation, as a correctness test (latency figures belong to benchmark B6): while one
// tenant's members flood the read routes and its producer floods ingest, another tenant's subscriber
// receives its steady stream whole, in order, once; its reads never see a 5xx; the flood is answered
// 429 with Retry-After instead of being served.

const FLOOD_MS = 8_000;
const invoice = (tenantId: string, i: number): OutgoingEvent<'billing_invoice'> => ({ type: 'billing_invoice', tenantId, data: { invoiceId: `F-${tenantId}-${i}`, amount: 100 + i, currency: 'MXN' } });

describe.each(DATABASE_KINDS)('one tenant cannot slow another down (%s)', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    // The service's own request budgets (the helpers raise them for other suites).
    service = await startTestService(centrifugo, { ...db.env, RATE_LIMIT_USER_PER_SECOND: '', RATE_LIMIT_TENANT_PER_SECOND: '' });
  });
  afterAll(async () => {
    await service?.stop();
    await centrifugo?.stop();
    await db?.drop();
  });

  it('flooded reads and ingest from acme: globex loses nothing, sees no 5xx, and the flood gets 429s', async () => {
    const admin = (await login(service.url, 'admin@neo.test')).token;
    const newKey = async (tenant: string) => {
      const res = await fetch(`${service.url}/v1/admin/ingest-keys`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `billing-${tenant}`, eventTypes: ['billing_invoice'], tenants: [tenant] }) });
      return ((await res.json()) as CreatedIngestKey).key;
    };
    const [victimKey, floodKey] = [await newKey('globex'), await newKey('acme')];
    const sofia = (await login(service.url, 'sofia@globex.test')).token;
    const floodTokens = [(await login(service.url, 'ana@acme.test')).token, (await login(service.url, 'luis@acme.test')).token];

    const client = realtimeClient(centrifugo.wsUrl, service.url, sofia);
    const { stream, start, received } = collectStream(client, () => service.url, sofia, 'billing:globex');
    client.connect();
    await start().ready(30_000);

    const until = Date.now() + FLOOD_MS;
    const floodStatuses = { reads: new Map<number, number>(), ingest: new Map<number, number>() };
    const count = (m: Map<number, number>, s: number) => m.set(s, (m.get(s) ?? 0) + 1);
    let retryAfterSeen = false;
    const floodReads = Array.from({ length: 16 }, async (_, i) => {
      const token = floodTokens[i % 2]!;
      // What each may read (luis has no billing:read): every request one the policy allows.
      const paths = i % 2 === 0
        ? ['/v1/history?channel=billing:acme&q=factura', '/v1/history?channel=billing:acme&afterSeq=0&limit=200', '/v1/tenants/acme/presence', '/v1/tenants/acme/notifications']
        : ['/v1/history?channel=deployments:acme&q=odoo', '/v1/history?channel=deployments:acme&afterSeq=0&limit=200', '/v1/tenants/acme/presence', '/v1/tenants/acme/deployments'];
      for (let n = 0; Date.now() < until; n++) {
        const res = await fetch(`${service.url}${paths[n % paths.length]}`, { headers: { authorization: `Bearer ${token}` } });
        count(floodStatuses.reads, res.status);
        if (res.status === 429 && res.headers.get('retry-after')) retryAfterSeen = true;
        await res.arrayBuffer();
      }
    });
    // Full batches: the tenant's events/s budget (200/s, 600 at once) takes one, then refuses.
    const floodIngest = Array.from({ length: 4 }, async (_, i) => {
      for (let n = 0; Date.now() < until; n++) {
        const batch = Array.from({ length: 500 }, (_, j) => invoice('acme', i * 1_000_000 + n * 500 + j));
        const res = await fetch(`${service.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${floodKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ events: batch }) });
        count(floodStatuses.ingest, res.status);
        await res.arrayBuffer();
      }
    });
    // The victim: a steady stream (one event every 100 ms) and a read every 250 ms.
    const victimProducer = new EventClient({ baseUrl: service.url, apiKey: victimKey });
    const victimStatuses = new Map<number, number>();
    const acknowledged: string[] = [];
    // A stream of at least ten events, whatever the machine's pace: how fast they go through is B6's to
    // measure; on a loaded 2-core runner a publish under the flood has taken ~1 s, and a count of events
    // per flood window would be a latency threshold in disguise.
    let acknowledgedDuringFlood = 0;
    const victimStream = (async () => {
      for (let i = 0; Date.now() < until || i < 10; i++) {
        acknowledged.push((await victimProducer.publish(invoice('globex', i))).id);
        if (Date.now() < until) acknowledgedDuringFlood = acknowledged.length;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const victimReads = (async () => {
      while (Date.now() < until) {
        for (const path of ['/v1/tenants/globex/notifications', '/v1/history?channel=billing:globex', '/v1/tenants/globex/deployments']) {
          const res = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${sofia}` } });
          count(victimStatuses, res.status);
          await res.arrayBuffer();
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await Promise.all([...floodReads, ...floodIngest, victimStream, victimReads]);

    try {
      // The victim: everything acknowledged arrived, once, in order; every read answered 200.
      await eventually(() => expect(received.length).toBeGreaterThanOrEqual(acknowledged.length), 60_000, 100);
      expect(received.map((e) => e.id)).toEqual(acknowledged);
      expect([...victimStatuses.keys()]).toEqual([200]);
      // The victim's producer was answered while the flood ran, not only once it was over.
      expect(acknowledgedDuringFlood).toBeGreaterThan(0);
      // The flood: refused with 429 + Retry-After, never a 5xx from its reads.
      expect(floodStatuses.reads.get(429) ?? 0).toBeGreaterThan(0);
      expect(retryAfterSeen).toBe(true);
      expect([...floodStatuses.reads.keys()].every((s) => s === 200 || s === 429)).toBe(true);
      expect(floodStatuses.ingest.get(429) ?? 0).toBeGreaterThan(0);
      expect([...floodStatuses.ingest.keys()].every((s) => s === 202 || s === 429 || s === 503)).toBe(true);
    } finally {
      stream.stop();
      client.disconnect();
    }
  }, 120_000);
});
