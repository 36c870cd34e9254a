import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicationContext } from 'centrifuge';
import { presenceListResponseSchema } from '@neo/contracts';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { login, realtimeClient, subscriptionTokenFrom } from '../helpers/client';
import { eventually, nextEvent } from '../helpers/wait';

describe('presence', () => {
  let centrifugo: TestCentrifugo;
  let service: TestService;
  const tokens: Record<string, string> = {};
  const call = async (method: string, path: string, who: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };
  const connect = async (who: string) => {
    const client = realtimeClient(centrifugo.wsUrl, service.url, tokens[who]!);
    const sub = client.newSubscription('presence:acme', { getToken: subscriptionTokenFrom(service.url, tokens[who]!) });
    client.connect();
    sub.subscribe();
    await sub.ready(30_000);
    return { client, sub };
  };

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    service = await startTestService(centrifugo, { PRESENCE_SWEEP_MS: '0' });
    for (const [who, email] of [['ana', 'ana@acme.test'], ['luis', 'luis@acme.test'], ['sofia', 'sofia@globex.test']] as const) tokens[who] = (await login(service.url, email)).token;
  });
  afterAll(async () => {
    await service?.stop();
    await centrifugo?.stop();
  });

  it('lists who is connected once per person, shows status changes stamped with the caller, and marks the gone offline', async () => {
    const ana1 = await connect('ana');
    const ana2 = await connect('ana'); // a second tab
    const luis = await connect('luis');
    try {
      const before = await call('GET', '/v1/tenants/acme/presence', 'luis');
      expect(before.status).toBe(200);
      const byId = Object.fromEntries(before.body.members.map((m: { userId: string }) => [m.userId, m]));
      expect(Object.keys(byId).sort()).toEqual(['u-ana', 'u-luis']);
      expect(byId['u-ana']).toMatchObject({ userName: 'Ana Torres', status: 'online', connections: 2 });
      expect(before.body.position).toMatchObject({ epoch: expect.any(String) });
      // Written without the schema's check (builtAnswerSerializer): the contract's shape is checked here.
      expect(() => presenceListResponseSchema.parse(before.body)).not.toThrow();

      const update = nextEvent<PublicationContext>(luis.sub, 'publication', (ctx) => ctx.data.type === 'presence_update');
      const set = await call('PUT', '/v1/tenants/acme/presence/me', 'ana', { status: 'busy', currentPage: '/despliegues' });
      expect(set).toMatchObject({ status: 200, body: { userId: 'u-ana', status: 'busy', currentPage: '/despliegues' } });
      expect((await update).data).toMatchObject({ tenantId: 'acme', data: { userId: 'u-ana', userName: 'Ana Torres', status: 'busy', currentPage: '/despliegues' } });

      ana1.client.disconnect();
      ana2.client.disconnect();
      await eventually(async () => expect((await call('GET', '/v1/tenants/acme/presence', 'luis')).body.members.find((m: { userId: string }) => m.userId === 'u-ana')?.connections).toBe(0));
      const offline = nextEvent<PublicationContext>(luis.sub, 'publication', (ctx) => ctx.data.type === 'presence_update' && ctx.data.data.status === 'offline');
      // The sweeper runs on a timer in production; here it is called directly.
      expect(await service.app.presence.sweep()).toBe(1);
      expect((await offline).data.data).toMatchObject({ userId: 'u-ana', status: 'offline' });
      const after = (await call('GET', '/v1/tenants/acme/presence', 'luis')).body.members.find((m: { userId: string }) => m.userId === 'u-ana');
      expect(after).toMatchObject({ status: 'offline', connections: 0 });
      expect(Date.parse(after.lastSeen)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      ana1.client.disconnect();
      ana2.client.disconnect();
      luis.client.disconnect();
    }
  });

  it.each([
    ['a status outside the allowed set', { status: 'sleeping' }],
    ['offline set by hand', { status: 'offline' }],
    ['a page name over the length limit', { status: 'away', currentPage: 'x'.repeat(201) }],
    ['an unknown field', { status: 'away', userId: 'u-luis' }],
  ])('400 for %s, and nothing stored', async (_label, body) => {
    const r = await call('PUT', '/v1/tenants/acme/presence/me', 'luis', body);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('ERR_VALIDATION');
    const luis = (await call('GET', '/v1/tenants/acme/presence', 'ana')).body.members.find((m: { userId: string }) => m.userId === 'u-luis');
    expect(luis?.status ?? 'offline').not.toBe('away');
  });

  it('403 for another tenant, whether reading or setting', async () => {
    expect(await call('GET', '/v1/tenants/acme/presence', 'sofia')).toMatchObject({ status: 403, body: { reason: 'not_tenant_member' } });
    expect(await call('PUT', '/v1/tenants/acme/presence/me', 'sofia', { status: 'busy' })).toMatchObject({ status: 403, body: { reason: 'not_tenant_member' } });
  });
});
