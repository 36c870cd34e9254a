import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { uuidv7 } from '@neo/contracts';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { postJson } from '../helpers/client';

// Concurrent requests are written together (group commit); a refusal in one must stay its own.
describe.each(DATABASE_KINDS)('group commit on %s', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  const ingest = (body: unknown) => postJson(`${service.url}/v1/events`, body, service.ingestKey);
  const metric = (i: number, id?: string) => ({ ...(id ? { id } : {}), type: 'metrics_update', tenantId: 'acme', data: { instanceId: `g-${i % 5}`, cpu: 10, memory: 10, disk: 10, networkIn: i, networkOut: 0, uptime: i } });

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    service = await startTestService(centrifugo, db.env);
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    await centrifugo?.stop();
  });

  it('answers each of many concurrent requests for itself: one 404 among 60 202s', async () => {
    const requests = Array.from({ length: 60 }, (_, i) => ingest(metric(i)));
    const bad = ingest({ type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'never-started', progress: 10, currentStep: 'x' } });
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(202));
    expect((await bad).status).toBe(404);
    const [row] = await service.app.database.rows<{ n: number }>(sql`select count(*)::int as n from events where type = 'metrics_update' and data->>'instanceId' like 'g-%'`);
    expect(Number(row!.n)).toBe(60);
  });

  it('stores an id sent by two concurrent requests once, and answers both', async () => {
    const id = uuidv7();
    const [a, b] = await Promise.all([ingest(metric(1, id)), ingest(metric(1, id))]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body.accepted).toEqual(b.body.accepted);
    const [row] = await service.app.database.rows<{ n: number }>(sql`select count(*)::int as n from events where id = ${id}::uuid`);
    expect(Number(row!.n)).toBe(1);
  });
});
