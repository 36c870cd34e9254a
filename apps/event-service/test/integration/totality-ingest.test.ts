import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { EVENT_TYPES, eventRegistry, channelOf, MAX_EVENT_DATA_BYTES, type EventType } from '@neo/contracts';
import { DATABASE_KINDS } from '../helpers/database';
import { isoDateTime, valueOf, type JsonSchema, type Overrides } from '../helpers/arbitraries';
import { corruptedClaims, SEEDED_DEPLOYMENTS, startTotalityFixture, type TotalityFixture } from '../helpers/totality-fixture';
import { assertSeeded, checkReady, checkTotal, FC_RUNS, named, requestArbitrary, toRawRequest, weighted, type Operation } from '../helpers/totality';
import { postJson } from '../helpers/client';

// Issue 17, the ingest route: events of every type of the registry, generated from the type's own
// schema and corrupted, one at a time and in batches, on PGlite and PostgreSQL. Besides "below 500 and
// still ready", every event the service accepted must reach Centrifugo: no poison row in the outbox.

const INGEST: Operation = { method: 'POST', path: '/v1/events', params: { type: 'object' }, query: { type: 'object' }, body: {}, caller: 'ingest' };

/** Ids that exist or will: progress and completion events then reach the deployments read model. */
const DATA_OVERRIDES: Overrides = {
  deploymentId: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SEEDED_DEPLOYMENTS, 'dep-c') }, { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/) }),
  instanceId: fc.constantFrom('i-1', 'i-2', 'odoo-acme'),
  resource: fc.constantFrom('storage', 'cpu'),
  progress: fc.integer({ min: 0, max: 100 }),
};

const schemaOf = (type: EventType) => z.toJSONSchema(eventRegistry[type].data, { io: 'input' }) as JsonSchema;

function eventOf(type: EventType): fc.Arbitrary<Record<string, unknown>> {
  const adminCapable = channelOf(type, undefined) !== null;
  return fc.record(
    {
      id: fc.uuid(),
      type: fc.constant(type),
      tenantId: fc.constantFrom('acme', 'acme', 'globex'),
      data: valueOf(schemaOf(type), DATA_OVERRIDES),
      timestamp: isoDateTime,
    },
    { requiredKeys: adminCapable ? ['type', 'data'] : ['type', 'tenantId', 'data'] },
  );
}

const credentials = [weighted(12, named('ingest')), weighted(1, named('ana')), weighted(1, corruptedClaims)];

describe.each(DATABASE_KINDS)('ingest is total on %s', (kind) => {
  let fixture: TotalityFixture;

  beforeAll(async () => {
    fixture = await startTotalityFixture(kind);
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  const run = async (body: fc.Arbitrary<unknown>, runs: number) => {
    const url = fixture.service.url;
    await assertSeeded(requestArbitrary(INGEST, { credentials, body }), async (generated) => {
      await checkTotal(url, toRawRequest(INGEST, generated, (c) => fixture.authorization(c)));
      // Every run: the database still answers; after the property: the whole service is ready.
      await fixture.service.app.database.ping();
    }, runs);
    await checkReady(url);
  };

  it.each(EVENT_TYPES)('one %s event', async (type) => {
    await run(eventOf(type), Math.ceil(FC_RUNS / 3));
  });

  it('batches mixing every type', async () => {
    await run(fc.array(fc.constantFrom(...EVENT_TYPES).chain(eventOf), { minLength: 1, maxLength: 6 }).map((events) => ({ events })), FC_RUNS);
  });

  it('refuses the examples of the issue naming the field, and keeps a log line with U+FFFD', async () => {
    const post = (body: unknown) => postJson(`${fixture.service.url}/v1/events`, body, fixture.service.ingestKey);
    const invoice = { type: 'billing_invoice', tenantId: 'acme', data: { invoiceId: 'INV-9', amount: 1, currency: 'MXN' } };
    for (const [body, path] of [
      [{ ...invoice, data: { ...invoice.data, message: 'hola\u0000' } }, 'data.message'],
      [{ ...invoice, data: { ...invoice.data, invoiceId: 'x\ud800y' } }, 'data.invoiceId'],
      [{ ...invoice, timestamp: '0000-01-01T00:00:00Z' }, 'timestamp'],
      [{ events: [invoice, { ...invoice, timestamp: '0001-01-01T00:00:00+14:00' }] }, 'events.1.timestamp'],
    ] as const) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    }
    const logged = await post({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'dep-log', instanceType: 'wazuh', logs: ['bin\u0000ario \ud800'] } });
    expect(logged.status).toBe(202);
    const [row] = await fixture.service.app.database.rows<{ logs: unknown }>(sql`select data->'logs' as logs from events where id = ${logged.body.accepted[0].id}`);
    expect(typeof row!.logs === 'string' ? JSON.parse(row!.logs) : row!.logs).toEqual(['bin\ufffdario \ufffd']);
  });

  it('indexes an event at the size limit made of unique short words, the worst case for the full-text index', async () => {
    // base-36 counters: every word its own lexeme, 1–4 characters, as many per byte as text allows.
    const words: string[] = [];
    for (let i = 0, bytes = 0; bytes < MAX_EVENT_DATA_BYTES - 6_000; i++) bytes += (words[i] = i.toString(36)).length + 1;
    const logs: string[] = [];
    for (let i = 0; i < words.length; ) {
      let line = '';
      while (i < words.length && line.length + words[i]!.length < 3999) line += `${words[i++]} `;
      logs.push(line);
    }
    const data = { deploymentId: 'dep-big', instanceType: 'odoo', logs };
    expect(JSON.stringify(data).length).toBeLessThanOrEqual(MAX_EVENT_DATA_BYTES);
    const post = (d: unknown) => postJson(`${fixture.service.url}/v1/events`, { type: 'deployment_start', tenantId: 'globex', data: d }, fixture.service.ingestKey);
    expect((await post(data)).status).toBe(202);
    const over = await post({ ...data, deploymentId: 'dep-bigger', logs: [...logs, 'x'.repeat(3999), 'y'.repeat(3999)] });
    expect(over.status).toBe(400);
    expect(over.body.errors.map((e: { path: string }) => e.path)).toEqual(['data']);
  });

  it('publishes every event it accepted: nothing stays stuck in the outbox', async () => {
    const { app } = fixture.service;
    await Promise.race([app.relay.whenIdle(), new Promise((_, reject) => setTimeout(() => reject(new Error('the relay did not drain within 30 s')), 30_000).unref())]);
    const [row] = await app.database.rows<{ n: number }>(sql`select count(*)::int as n from outbox`);
    expect(Number(row!.n)).toBe(0);
    const [stored] = await app.database.rows<{ n: number }>(sql`select count(*)::int as n from events`);
    expect(Number(stored!.n)).toBeGreaterThan(EVENT_TYPES.length);
  });
});
