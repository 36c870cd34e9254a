import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login } from '../helpers/client';

// Use case 4: one status per person across devices as well as tabs. Busy chosen on one device shows
// everywhere; the person is away only when every device in use is idle (the device used last decides).
describe.each(DATABASE_KINDS)('presence across devices on %s', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  const tokens: Record<string, string> = {};
  const PHONE = 'phone-0001';
  const LAPTOP = 'laptop-0001';

  const put = async (who: string, body: Record<string, unknown>, tenantId = 'acme') => {
    const res = await fetch(`${service.url}/v1/tenants/${tenantId}/presence/me`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const statusAfter = async (who: string, body: Record<string, unknown>, tenantId = 'acme') => {
    const r = await put(who, body, tenantId);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.status as string;
  };
  /** The presence updates published for a user, oldest first, as history keeps them. */
  const published = async (userId: string) => {
    await service.app.relay.whenIdle();
    const res = await fetch(`${service.url}/v1/history?channel=presence:acme&userId=${userId}&limit=200`, { headers: { authorization: `Bearer ${tokens.ana}` } });
    return ((await res.json()).items as Array<{ data: { status: string } }>).map((e) => e.data.status).reverse();
  };

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    service = await startTestService(centrifugo, db.env);
    for (const [who, email] of [['ana', 'ana@acme.test'], ['luis', 'luis@acme.test'], ['sofia', 'sofia@globex.test']] as const) tokens[who] = (await login(service.url, email)).token;
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    await centrifugo?.stop();
  });

  it('busy chosen on one device holds on the others; online or away follows the devices in use', async () => {
    expect(await statusAfter('ana', { status: 'online', deviceId: LAPTOP })).toBe('online');
    expect(await statusAfter('ana', { status: 'busy', deviceId: PHONE, choice: 'busy' })).toBe('busy');
    // The laptop, in use, still reports its own 'online' (its page changed): the choice made on the phone holds.
    expect(await statusAfter('ana', { status: 'online', deviceId: LAPTOP, currentPage: '/billing' })).toBe('busy');
    // The phone goes idle; the laptop is in use: busy. Then the laptop goes idle too: away.
    expect(await statusAfter('ana', { status: 'away', deviceId: PHONE })).toBe('busy');
    expect(await statusAfter('ana', { status: 'away', deviceId: LAPTOP })).toBe('away');
    // Back on the phone: busy again, still the choice; choosing online on the laptop changes it everywhere.
    expect(await statusAfter('ana', { status: 'busy', deviceId: PHONE })).toBe('busy');
    expect(await statusAfter('ana', { status: 'online', deviceId: LAPTOP, choice: 'online' })).toBe('online');
    expect(await statusAfter('ana', { status: 'online', deviceId: PHONE })).toBe('online');
    // Each change others see was published once (the laptop's new page too); reports that changed nothing, nothing.
    expect(await published('u-ana')).toEqual(['online', 'busy', 'busy', 'away', 'busy', 'online']);
  });

  it('a device that stopped reporting no longer keeps its user online', async () => {
    expect(await statusAfter('luis', { status: 'online', deviceId: PHONE })).toBe('online');
    expect(await statusAfter('luis', { status: 'away', deviceId: LAPTOP })).toBe('online');
    // The phone's last report is older than the device lifetime (the database's clock): it counts no more.
    await service.app.database.db.execute(sql`update presence_devices set seen_at = now() - interval '3 minutes' where user_id = 'u-luis' and device_id = ${PHONE}`);
    expect(await statusAfter('luis', { status: 'away', deviceId: LAPTOP })).toBe('away');
  });

  it('a client without devices keeps the old rule (stored as sent); bad reports are refused and change nothing', async () => {
    expect(await statusAfter('sofia', { status: 'busy' }, 'globex')).toBe('busy');
    expect(await statusAfter('sofia', { status: 'online' }, 'globex')).toBe('online');
    for (const bad of [{ status: 'online', deviceId: 'short' }, { status: 'online', deviceId: 'has space 123' }, { status: 'online', deviceId: PHONE, choice: 'away' }, { status: 'online', choice: 'offline' }]) {
      const r = await put('ana', bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.code).toBe('ERR_VALIDATION');
    }
    expect(await published('u-ana')).toEqual(['online', 'busy', 'busy', 'away', 'busy', 'online']);
    // Nobody reports for another tenant, device or not.
    expect((await put('sofia', { status: 'online', deviceId: PHONE }, 'acme')).status).toBe(403);
  });
});
