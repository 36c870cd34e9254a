import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login, postJson } from '../helpers/client';
import { eventually } from '../helpers/wait';

// Operators' overrides are stored in the database and every instance reloads them, so a suspension or
// a permission change made through one instance is enforced by all of them within ACCESS_SYNC_MS.
describe.skipIf(!DATABASE_KINDS.includes('postgres'))('access overrides across two instances on one Postgres', () => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let one: TestService;
  let two: TestService;

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase('postgres');
    const shared = { ...db.env, AUTH_JWT_SECRET: `test-${randomBytes(24).toString('hex')}`, ACCESS_SYNC_MS: '200' };
    one = await startTestService(centrifugo, shared);
    two = await startTestService(centrifugo, shared);
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await db?.drop();
    await centrifugo?.stop();
  });

  it('a suspension and a permission change made on instance 1 are enforced by instance 2', async () => {
    const admin = (await login(one.url, 'admin@neo.test')).token;
    const sofia = (await login(two.url, 'sofia@globex.test')).token;
    const luis = (await login(two.url, 'luis@acme.test')).token;
    expect((await postJson(`${two.url}/v1/realtime/connection-token`, {}, sofia)).status).toBe(200);
    expect((await postJson(`${two.url}/v1/realtime/subscription-token`, { channel: 'deployments:acme' }, luis)).status).toBe(200);

    const put = async (path: string, body: unknown) => (await fetch(`${one.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(body) })).status;
    expect(await put('/v1/admin/tenants/globex/suspension', { suspended: true })).toBe(200);
    expect(await put('/v1/admin/users/u-luis/permissions', { permissions: ['metrics:read'] })).toBe(200);

    await eventually(async () => expect(await postJson(`${two.url}/v1/realtime/connection-token`, {}, sofia)).toMatchObject({ status: 403, body: { reason: 'tenant_suspended' } }), 5_000);
    await eventually(async () => expect(await postJson(`${two.url}/v1/realtime/subscription-token`, { channel: 'deployments:acme' }, luis)).toMatchObject({ status: 403, body: { reason: 'missing_permission' } }), 5_000);

    expect(await put('/v1/admin/tenants/globex/suspension', { suspended: false })).toBe(200);
    await eventually(async () => expect((await postJson(`${two.url}/v1/realtime/connection-token`, {}, sofia)).status).toBe(200), 5_000);
  });
});
