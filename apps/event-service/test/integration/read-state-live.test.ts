import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Centrifuge, PublicationContext, Subscription } from 'centrifuge';
import { userChannel, userKeyOf, type ReadStateMessage } from '@neo/contracts';
import { BillingPublisher, EventClient } from '@neo/publisher-sdk';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login, postJson, realtimeClient, subscriptionTokenFrom } from '../helpers/client';
import { eventually } from '../helpers/wait';

// Use case 2: read state on every device, live. Marking read on one device reaches the same user's other
// devices on their own channel, through real Centrifugo and real centrifuge clients; nobody else's.
describe.each(DATABASE_KINDS)('read state on every device on %s', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  const tokens: Record<string, string> = {};
  const clients: Centrifuge[] = [];

  /** A device of `who`, subscribed to `channel`, collecting what arrives there. */
  async function device(who: string, channel: string): Promise<{ messages: ReadStateMessage[]; sub: Subscription }> {
    const client = realtimeClient(centrifugo.wsUrl, service.url, tokens[who]!);
    clients.push(client);
    const sub = client.newSubscription(channel, { getToken: subscriptionTokenFrom(service.url, tokens[who]!) });
    const messages: ReadStateMessage[] = [];
    sub.on('publication', (ctx: PublicationContext) => messages.push(ctx.data as ReadStateMessage));
    client.connect();
    sub.subscribe();
    await sub.ready(30_000);
    return { messages, sub };
  }
  const tokenFor = (who: string, channel: string) => postJson(`${service.url}/v1/realtime/subscription-token`, { channel }, tokens[who]);

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    service = await startTestService(centrifugo, db.env);
    for (const [who, email] of [['ana', 'ana@acme.test'], ['luis', 'luis@acme.test'], ['sofia', 'sofia@globex.test'], ['admin', 'admin@neo.test']] as const) tokens[who] = (await login(service.url, email)).token;
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await service?.stop();
    await db?.drop();
    await centrifugo?.stop();
  });

  it('a mark on one device reaches the same user’s other device, in version order; another user’s channel stays silent', async () => {
    const anaChannel = userChannel('acme', 'u-ana');
    const [phone, laptop, luis] = await Promise.all([device('ana', anaChannel), device('ana', anaChannel), device('luis', userChannel('acme', 'u-luis'))]);
    const billing = new BillingPublisher(new EventClient({ baseUrl: service.url, apiKey: service.ingestKey }));
    const first = await billing.publishInvoice('acme', 'F-1', 100, 'MXN');
    const second = await billing.publishInvoice('acme', 'F-2', 200, 'MXN');
    await billing.publishInvoice('acme', 'F-3', 300, 'MXN');

    // The phone marks one read: both of ana's devices hear it (the phone too: one truth for every device).
    const one = await postJson(`${service.url}/v1/tenants/acme/notifications/${first.id}/read`, {}, tokens.ana);
    expect(one.body).toEqual({ id: first.id, read: true, unreadCount: 2 });
    await eventually(() => expect(laptop.messages).toHaveLength(1));
    expect(laptop.messages[0]).toMatchObject({ type: 'notifications_read', tenantId: 'acme', data: { ids: [first.id], unreadCount: 2, version: 1 } });
    await eventually(() => expect(phone.messages).toHaveLength(1));
    // Marking it again changes nothing and says nothing.
    await postJson(`${service.url}/v1/tenants/acme/notifications/${first.id}/read`, {}, tokens.ana);

    // Read-all: everything up to the newest notification, with the exact count.
    expect((await postJson(`${service.url}/v1/tenants/acme/notifications/read-all`, {}, tokens.ana)).body).toEqual({ unreadCount: 0 });
    await eventually(() => expect(laptop.messages).toHaveLength(2));
    const newest = (await (await fetch(`${service.url}/v1/tenants/acme/notifications?limit=1`, { headers: { authorization: `Bearer ${tokens.ana}` } })).json()).items[0];
    expect(laptop.messages[1]!.data).toEqual({ ids: [], upTo: newest.id, unreadCount: 0, version: 2 });
    expect(laptop.messages.map((m) => m.data.version)).toEqual([1, 2]);
    expect(second.id).not.toBe(newest.id);

    // Luis has no billing:read (he cannot mark), and his own channel never carried ana's read state.
    expect((await postJson(`${service.url}/v1/tenants/acme/notifications/${second.id}/read`, {}, tokens.luis)).status).toBe(403);
    expect(luis.messages).toEqual([]);
    expect(phone.messages).toHaveLength(2);
  });

  it('the notification list names the caller’s own channel (the browser subscribes without hashing the id); an operator’s has none', async () => {
    const list = async (who: string) => (await fetch(`${service.url}/v1/tenants/acme/notifications?limit=1`, { headers: { authorization: `Bearer ${tokens[who]}` } })).json();
    expect((await list('ana')).userChannel).toBe(userChannel('acme', 'u-ana'));
    expect((await list('admin')).userChannel).toBeNull();
  });

  it('only its user gets a token for a user channel: teammates, other tenants and operators are refused, the owner twin is not', async () => {
    const anaChannel = userChannel('acme', 'u-ana');
    expect((await tokenFor('ana', anaChannel)).status).toBe(200);
    expect((await tokenFor('luis', anaChannel)).body).toMatchObject({ status: 403, code: 'ERR_FORBIDDEN', reason: 'other_user' });
    expect((await tokenFor('sofia', anaChannel)).body).toMatchObject({ status: 403, reason: 'not_tenant_member' });
    expect((await tokenFor('admin', anaChannel)).body).toMatchObject({ status: 403, reason: 'not_tenant_member' });
    // Ana's own key under another tenant's name is not hers either.
    expect((await tokenFor('ana', `user:globex_${userKeyOf('u-ana')}`)).body).toMatchObject({ status: 403, reason: 'not_tenant_member' });
    for (const bad of ['user:acme', 'user:acme_', `user:acme_${'g'.repeat(32)}`, `user:acme_${userKeyOf('u-ana').slice(1)}`, `user:Acme_${userKeyOf('u-ana')}`, `user:acme#u-ana`, `user:_${userKeyOf('u-ana')}`]) {
      expect((await tokenFor('ana', bad)).body, bad).toMatchObject({ status: 400, code: 'ERR_INVALID_CHANNEL' });
    }
    // The service lists it among the caller's channels, so a portal never builds the name itself.
    const me = await (await fetch(`${service.url}/v1/me`, { headers: { authorization: `Bearer ${tokens.ana}` } })).json();
    expect(me.channels).toContain(anaChannel);
  });

  it('a refused subscription token never opens the channel: luis on ana’s channel is unsubscribed, ana is subscribed', async () => {
    const anaChannel = userChannel('acme', 'u-ana');
    const client = realtimeClient(centrifugo.wsUrl, service.url, tokens.luis!);
    clients.push(client);
    const sub = client.newSubscription(anaChannel, { getToken: subscriptionTokenFrom(service.url, tokens.luis!) });
    const ended = new Promise<number>((resolve) => sub.on('unsubscribed', (ctx) => resolve(ctx.code)));
    client.connect();
    sub.subscribe();
    expect(await ended).toBe(1);
    expect((await device('ana', anaChannel)).sub.state).toBe('subscribed');
  });
});
