import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingPublisher, DeploymentPublisher, EventClient, PublishError } from '@neo/publisher-sdk';
import { uuidv7 } from '@neo/contracts';
import { startTestCentrifugo, type TestCentrifugo } from '../helpers/centrifugo';
import { startTestService, type TestService } from '../helpers/service';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/database';
import { login, postJson } from '../helpers/client';
import { eventually } from '../helpers/wait';

// Use cases 1 and 2 through the real pipeline: SDK → ingest → projectors → read routes, on both databases.

async function getJson(url: string, bearer: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  return { status: res.status, body: await res.json() };
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; code?: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PublishError) return { status: err.status, code: err.problem?.code };
    throw err;
  }
  throw new Error('not refused');
}

describe.each(DATABASE_KINDS)('read models on %s', (kind) => {
  let centrifugo: TestCentrifugo;
  let db: TestDatabase;
  let service: TestService;
  let deployments: DeploymentPublisher;
  let billing: BillingPublisher;
  let ana: string;
  let sofia: string;

  beforeAll(async () => {
    centrifugo = await startTestCentrifugo();
    db = await createTestDatabase(kind);
    service = await startTestService(centrifugo, db.env);
    const client = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey, maxAttempts: 1 });
    deployments = new DeploymentPublisher(client);
    billing = new BillingPublisher(client);
    ana = (await login(service.url, 'ana@acme.test')).token;
    sofia = (await login(service.url, 'sofia@globex.test')).token;
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
    await centrifugo?.stop();
  });

  it('a deployment’s life: state, log tail, refusals, ETA from history, stream anchor', async () => {
    await deployments.publishStart('acme', 'rm-1', 'wazuh', { steps: ['Preparar', 'Instalar'], logs: ['inicio'] });
    await deployments.publishProgress('acme', 'rm-1', 50, 'Instalar', ['paso 1', 'paso 2']);
    expect(await refusal(deployments.publishProgress('acme', 'rm-1', 40, 'Instalar'))).toEqual({ status: 400, code: 'ERR_VALIDATION' });
    expect(await refusal(deployments.publishProgress('acme', 'nope', 40, 'Instalar'))).toEqual({ status: 404, code: 'ERR_NOT_FOUND' });
    expect(await refusal(deployments.publishStart('acme', 'rm-1', 'wazuh'))).toEqual({ status: 409, code: 'ERR_CONFLICT' });
    await deployments.publishCompletion('acme', 'rm-1', 'https://wazuh-acme.neo-stack.test');
    expect(await refusal(deployments.publishError('acme', 'rm-1', 'late'))).toEqual({ status: 409, code: 'ERR_CONFLICT' });

    const one = await getJson(`${service.url}/v1/tenants/acme/deployments/rm-1`, ana);
    expect(one.status).toBe(200);
    expect(one.body.item).toMatchObject({ status: 'completed', progress: 100, instanceType: 'wazuh', logs: ['inicio', 'paso 1', 'paso 2'], logCount: 3, version: 3, steps: ['Preparar', 'Instalar'] });
    expect(one.body.position).toEqual({ offset: expect.any(Number), epoch: expect.any(String) });
    // Every accepted event is eventually relayed: the anchor then has no pending ids and a seq of 3.
    await eventually(async () => expect((await getJson(`${service.url}/v1/tenants/acme/deployments/rm-1`, ana)).body).toMatchObject({ streamSeq: 3, pendingEventIds: [] }), 10_000, 100);

    // A second wazuh deployment now has an ETA; the same tenant's odoo does not.
    await deployments.publishStart('acme', 'rm-2', 'wazuh');
    await deployments.publishStart('acme', 'rm-3', 'odoo');
    const list = await getJson(`${service.url}/v1/tenants/acme/deployments`, ana);
    const byId = Object.fromEntries(list.body.items.map((d: { id: string }) => [d.id, d]));
    expect(byId['rm-2'].typicalDurationMs).toEqual(expect.any(Number));
    expect(byId['rm-2'].estimatedCompletion).toEqual(expect.any(String));
    expect(byId['rm-3'].estimatedCompletion).toBeNull();
    // Failure keeps the progress reached.
    await deployments.publishProgress('acme', 'rm-3', 35, 'Base de datos');
    await deployments.publishError('acme', 'rm-3', 'timeout de la base de datos');
    expect((await getJson(`${service.url}/v1/tenants/acme/deployments/rm-3`, ana)).body.item).toMatchObject({ status: 'failed', progress: 35, error: 'timeout de la base de datos' });
    // Another tenant sees none of it (404, not 403: its own tenant has no such deployment).
    expect((await getJson(`${service.url}/v1/tenants/globex/deployments/rm-1`, sofia)).status).toBe(404);
    expect((await getJson(`${service.url}/v1/tenants/globex/deployments`, sofia)).body.items).toEqual([]);
  });

  it('a batch with start + progress of one deployment applies in order, all or nothing', async () => {
    const client = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey, maxAttempts: 1 });
    await client.publishBatch([
      { type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'rm-b', instanceType: 'odoo' } },
      { type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'rm-b', progress: 10, currentStep: 'x' } },
    ]);
    expect((await getJson(`${service.url}/v1/tenants/acme/deployments/rm-b`, ana)).body.item).toMatchObject({ progress: 10, version: 2 });
    const bad = client.publishBatch([
      { type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'rm-c', instanceType: 'odoo' } },
      { type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'rm-b', progress: 5, currentStep: 'x' } },
    ]);
    expect(await refusal(bad)).toEqual({ status: 400, code: 'ERR_VALIDATION' });
    expect((await getJson(`${service.url}/v1/tenants/acme/deployments/rm-c`, ana)).status).toBe(404);
  });

  it('deployment requests: 202 for deploy:write, claimed once by the deployer', async () => {
    const r = await postJson(`${service.url}/v1/tenants/acme/deployments`, { instanceType: 'netbox' }, ana);
    expect(r.status).toBe(202);
    expect(r.body.deploymentId).toMatch(/^dep-/);
    expect((await getJson(`${service.url}/v1/tenants/acme/deployments/${r.body.deploymentId}`, ana)).body).toMatchObject({ item: null, requested: true });
    expect((await postJson(`${service.url}/v1/tenants/acme/deployments`, { instanceType: 'mysql' }, ana)).status).toBe(400);
    const claim = await postJson(`${service.url}/v1/deployer/claim`, {}, service.ingestKey);
    expect(claim.status).toBe(200);
    expect(claim.body.requests).toEqual([expect.objectContaining({ deploymentId: r.body.deploymentId, tenantId: 'acme', instanceType: 'netbox', requestedBy: 'u-ana' })]);
    expect((await postJson(`${service.url}/v1/deployer/claim`, {}, service.ingestKey)).body.requests).toEqual([]);
    expect((await postJson(`${service.url}/v1/deployer/claim`, {}, ana)).status).toBe(401);
  });

  it('a request’s configuration travels to the deployer and into the deployment; its failure as a code', async () => {
    const r = await postJson(`${service.url}/v1/tenants/acme/deployments`, { instanceType: 'odoo', instanceName: 'ERP ventas', size: 'large' }, ana);
    expect(r.status).toBe(202);
    for (const bad of [{ instanceType: 'odoo', size: 'huge' }, { instanceType: 'odoo', size: 2 }, { instanceType: 'odoo', plan: 'large' }]) {
      const refused = await postJson(`${service.url}/v1/tenants/acme/deployments`, bad, ana);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.code).toBe('ERR_VALIDATION');
    }
    const claim = await postJson(`${service.url}/v1/deployer/claim`, {}, service.ingestKey);
    const order = claim.body.requests.find((q: { deploymentId: string }) => q.deploymentId === r.body.deploymentId);
    expect(order).toMatchObject({ instanceType: 'odoo', instanceName: 'ERP ventas', size: 'large', requestedBy: 'u-ana' });
    // The deployer reports what it was asked for, as the demo deployer does.
    await deployments.publishStart('acme', order.deploymentId, order.instanceType, { instanceName: order.instanceName, size: order.size, requestedBy: order.requestedBy, steps: ['Pull'] });
    await deployments.publishError('acme', order.deploymentId, 'Timed out connecting to the database', { code: 'database_timeout', params: { step: 'Pull' } });
    const one = await getJson(`${service.url}/v1/tenants/acme/deployments/${order.deploymentId}`, ana);
    expect(one.body.item).toMatchObject({ instanceName: 'ERP ventas', size: 'large', status: 'failed', error: 'Timed out connecting to the database', errorCode: 'database_timeout', errorParams: { step: 'Pull' } });
    // A request without a size leaves the choice to the deployer; an older producer's error has no code.
    await deployments.publishStart('acme', 'rm-plain', 'netbox');
    await deployments.publishError('acme', 'rm-plain', 'boom');
    expect((await getJson(`${service.url}/v1/tenants/acme/deployments/rm-plain`, ana)).body.item).toMatchObject({ size: null, errorCode: null, errorParams: null, error: 'boom' });
    // A code that is not a code is refused with the field named.
    const badCode = await refusal(deployments.publishError('acme', 'rm-plain-2', 'x', { code: 'Not A Code' }));
    expect(badCode).toEqual({ status: 400, code: 'ERR_VALIDATION' });
  });

  it('notifications: one per billing event, usage alerts once per threshold, read state per user', async () => {
    const inv = await billing.publishInvoice('acme', 'F-100', 1499.5, 'MXN');
    await billing.publishPaymentStatus('acme', 'P-1', 'rejected', { amount: 1499.5, currency: 'MXN', reason: 'fondos insuficientes' });
    const samples = [50, 81, 85, 79, 92, 93, 101, 120];
    for (const usage of samples) await billing.publishUsageAlert('acme', usage, 100, 'almacenamiento', '2025-05');
    await billing.publishUsageAlert('acme', 85, 100, 'almacenamiento', '2025-06'); // a new period starts over
    const page = await getJson(`${service.url}/v1/tenants/acme/notifications?limit=50`, ana);
    expect(page.status).toBe(200);
    const alerts = page.body.items.filter((n: { type: string }) => n.type === 'billing_usage_alert').map((n: { details: { threshold: number; period: string } }) => `${n.details.period}:${n.details.threshold}`);
    expect(alerts).toEqual(['2025-06:80', '2025-05:100', '2025-05:90', '2025-05:80']);
    expect(page.body.unreadCount).toBe(6);
    expect(page.body.items.at(-1)).toMatchObject({ id: inv.id, amount: 1499.5, currency: 'MXN', read: false });

    // Paging by cursor covers everything once.
    const first = await getJson(`${service.url}/v1/tenants/acme/notifications?limit=4`, ana);
    const second = await getJson(`${service.url}/v1/tenants/acme/notifications?limit=4&cursor=${first.body.nextCursor}`, ana);
    expect([...first.body.items, ...second.body.items].map((n: { id: string }) => n.id)).toEqual(page.body.items.map((n: { id: string }) => n.id));
    expect(second.body.nextCursor).toBeNull();
    expect((await getJson(`${service.url}/v1/tenants/acme/notifications?cursor=zzz`, ana)).body.code).toBe('ERR_INVALID_CURSOR');

    const read = await postJson(`${service.url}/v1/tenants/acme/notifications/${inv.id}/read`, {}, ana);
    expect(read.body).toEqual({ id: inv.id, read: true, unreadCount: 5 });
    expect((await getJson(`${service.url}/v1/tenants/acme/notifications?unread=true&limit=50`, ana)).body.items).toHaveLength(5);
    expect((await getJson(`${service.url}/v1/tenants/acme/notifications?type=billing_invoice`, ana)).body.items).toHaveLength(1);
    expect((await postJson(`${service.url}/v1/tenants/acme/notifications/read-all`, {}, ana)).body).toEqual({ unreadCount: 0 });
    // A later one is unread again; the count stays exact.
    await billing.publishPlanChange('acme', 'Empresarial', 'Básico');
    expect((await getJson(`${service.url}/v1/tenants/acme/notifications`, ana)).body.unreadCount).toBe(1);
    // Another tenant's user cannot read or mark acme's notification, and its own centre is empty.
    expect((await postJson(`${service.url}/v1/tenants/acme/notifications/${inv.id}/read`, {}, sofia)).status).toBe(403);
    expect((await postJson(`${service.url}/v1/tenants/globex/notifications/${inv.id}/read`, {}, sofia)).status).toBe(404);
    expect((await getJson(`${service.url}/v1/tenants/globex/notifications`, sofia)).body).toMatchObject({ items: [], unreadCount: 0 });
  });

  it('an invoice’s due date comes back with its notification', async () => {
    const inv = await billing.publishInvoice('globex', 'F-DUE-1', 120, 'USD', { dueDate: '2031-01-15' });
    const plain = await billing.publishInvoice('globex', 'F-DUE-2', 80, 'USD');
    const page = await getJson(`${service.url}/v1/tenants/globex/notifications?type=billing_invoice&limit=50`, sofia);
    const byId = new Map(page.body.items.map((n: { id: string }) => [n.id, n]));
    expect(byId.get(inv.id)).toMatchObject({ dueDate: '2031-01-15', details: { invoiceId: 'F-DUE-1', dueDate: '2031-01-15' } });
    expect(byId.get(plain.id)).toMatchObject({ dueDate: null });
    expect((await getJson(`${service.url}/v1/tenants/globex/notifications/${inv.id}`, sofia)).body.dueDate).toBe('2031-01-15');
  });

  it('a request sent again with the same ids (its answer was lost) gets the first answer and is applied once', async () => {
    // The service first takes ids to be new (one statement less); a retry is where that is not so, and
    // the projectors must neither refuse it ("already started") nor apply it twice.
    const client = new EventClient({ baseUrl: service.url, apiKey: service.ingestKey, maxAttempts: 1 });
    const batch = [
      { id: uuidv7(), type: 'deployment_start' as const, tenantId: 'acme', data: { deploymentId: 'rm-r', instanceType: 'odoo' as const } },
      { id: uuidv7(), type: 'deployment_progress' as const, tenantId: 'acme', data: { deploymentId: 'rm-r', progress: 20, currentStep: 'x' } },
      { id: uuidv7(), type: 'billing_invoice' as const, tenantId: 'globex', data: { invoiceId: 'F-R-1', amount: 10, currency: 'MXN' } },
    ];
    const first = await client.publishBatch(batch);
    expect(await client.publishBatch(batch)).toEqual(first);
    expect(await client.publish(batch[0]!)).toEqual(first[0]);
    expect((await getJson(`${service.url}/v1/tenants/acme/deployments/rm-r`, ana)).body.item).toMatchObject({ progress: 20, version: 2 });
    const notes = await getJson(`${service.url}/v1/tenants/globex/notifications?type=billing_invoice&limit=50`, sofia);
    expect(notes.body.items.filter((n: { id: string }) => n.id === batch[2]!.id)).toHaveLength(1);
  });
});
