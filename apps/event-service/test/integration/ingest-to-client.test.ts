import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicationContext } from 'centrifuge';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { login, postJson, realtimeClient, subscriptionTokenFrom } from '../helpers/client';
import { nextEvent } from '../helpers/wait';

// Use case 7: an event posted to the ingest API reaches a centrifuge client that subscribed with a
// token from the service. Real Centrifugo, real WebSocket, awaited (no sleeps).
describe('ingest → Centrifugo → client', () => {
  let centrifugo: TestCentrifugo;
  let service: TestService;

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    service = await startTestService(centrifugo);
  });
  afterAll(async () => {
    await service?.stop();
    await centrifugo?.stop();
  });

  it('delivers an ingested deployment event to a subscribed client of the tenant', async () => {
    const { token } = await login(service.url, 'ana@acme.test');
    const client = realtimeClient(centrifugo.wsUrl, service.url, token);
    const sub = client.newSubscription('deployments:acme', { getToken: subscriptionTokenFrom(service.url, token) });
    try {
      client.connect();
      sub.subscribe();
      await sub.ready(30_000);
      const received = nextEvent<PublicationContext>(sub, 'publication');
      const posted = await postJson(`${service.url}/v1/events`, {
        type: 'deployment_start',
        tenantId: 'acme',
        data: { deploymentId: 'dep-1', instanceType: 'odoo', currentStep: 'Configurando contenedor' },
      }, service.ingestKey);
      expect(posted.status).toBe(202);
      expect(posted.body.accepted).toEqual([{ id: expect.any(String), channel: 'deployments:acme' }]);
      const pub = await received;
      expect(pub.data).toMatchObject({ id: posted.body.accepted[0].id, type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'dep-1', instanceType: 'odoo' } });
    } finally {
      client.disconnect();
    }
  });

  it('a batch is delivered in order', async () => {
    const { token } = await login(service.url, 'sofia@globex.test');
    const client = realtimeClient(centrifugo.wsUrl, service.url, token);
    const sub = client.newSubscription('billing:globex', { getToken: subscriptionTokenFrom(service.url, token) });
    const seen: string[] = [];
    sub.on('publication', (ctx) => seen.push((ctx.data as { data: { invoiceId: string } }).data.invoiceId));
    try {
      client.connect();
      sub.subscribe();
      await sub.ready(30_000);
      const events = Array.from({ length: 20 }, (_, i) => ({ type: 'billing_invoice', tenantId: 'globex', data: { invoiceId: `INV-${i}`, amount: 100 + i, currency: 'MXN' } }));
      const done = nextEvent<PublicationContext>(sub, 'publication', (ctx) => (ctx.data as { data: { invoiceId: string } }).data.invoiceId === 'INV-19');
      const posted = await postJson(`${service.url}/v1/events`, { events }, service.ingestKey);
      expect(posted.status).toBe(202);
      await done;
      expect(seen).toEqual(events.map((e) => e.data.invoiceId));
    } finally {
      client.disconnect();
    }
  });
});
