import { describe, expect, it } from 'vitest';
import { channelOf, ingestEventSchema, isEventType } from '@neo/contracts';
import { DeploymentPublisher, EventClient, MetricsPublisher, PublishError } from '@neo/publisher-sdk';
import { serve } from '../helpers/ingest-server';

/** Answers 202 like the service: each event's id and the channel the contract gives it. */
const acceptLikeTheService = (_n: number, body: Record<string, unknown>) => {
  const events = (Array.isArray(body.events) ? body.events : [body]) as Array<{ id: string; type: string; tenantId?: string }>;
  return { status: 202, body: { accepted: events.map((e) => ({ id: e.id, channel: isEventType(e.type) ? channelOf(e.type, e.tenantId) : null })) } };
};
const eventsOf = (body: Record<string, unknown>) => (Array.isArray(body.events) ? body.events : [body]) as Array<Record<string, unknown>>;
/** Every event the SDK sent must pass the very schema the service validates with. */
const expectValid = (body: Record<string, unknown>) => {
  for (const e of eventsOf(body)) expect(ingestEventSchema.safeParse(e).error?.issues ?? []).toEqual([]);
};
const sample = { cpu: 41.5, memory: 62, disk: 30.2, networkIn: 1200, networkOut: 3400, uptime: 86_400 };

describe('MetricsPublisher', () => {
  it('publishes system metrics without a tenant, to admin:metrics, with the key', async () => {
    const srv = await serve(acceptLikeTheService);
    const metrics = new MetricsPublisher(new EventClient({ baseUrl: srv.url, apiKey: 'key-1' }));
    const accepted = await metrics.publishSystemMetrics({ ...sample, activeInstances: 3 });
    expect(accepted.channel).toBe('admin:metrics');
    expect(srv.requests[0]).toMatchObject({ method: 'POST', url: '/v1/events', authorization: 'Bearer key-1' });
    expect(srv.bodies[0]).toMatchObject({ type: 'metrics_update', data: { ...sample, activeInstances: 3 } });
    expect(srv.bodies[0]).not.toHaveProperty('tenantId');
    expectValid(srv.bodies[0]!);
  });

  it('publishes one instance of a tenant to metrics:{tenantId}, naming the instance', async () => {
    const srv = await serve(acceptLikeTheService);
    const metrics = new MetricsPublisher(new EventClient({ baseUrl: srv.url, apiKey: 'k' }));
    expect((await metrics.publishTenantMetrics('acme', 'dep-7', sample)).channel).toBe('metrics:acme');
    expect(srv.bodies[0]).toMatchObject({ type: 'metrics_update', tenantId: 'acme', data: { ...sample, instanceId: 'dep-7' } });
    expectValid(srv.bodies[0]!);
  });

  it('sends many instances as one request, each event with its own tenant and id', async () => {
    const srv = await serve(acceptLikeTheService);
    const metrics = new MetricsPublisher(new EventClient({ baseUrl: srv.url, apiKey: 'k' }));
    const accepted = await metrics.publishTenantMetricsBatch([
      { tenantId: 'acme', instanceId: 'a-1', ...sample },
      { tenantId: 'globex', instanceId: 'g-1', ...sample, cpu: 90 },
    ]);
    expect(srv.bodies).toHaveLength(1);
    expect(accepted.map((a) => a.channel)).toEqual(['metrics:acme', 'metrics:globex']);
    const sent = eventsOf(srv.bodies[0]!);
    expect(sent.map((e) => [e.tenantId, (e.data as { instanceId: string }).instanceId])).toEqual([['acme', 'a-1'], ['globex', 'g-1']]);
    expect(new Set(sent.map((e) => e.id)).size).toBe(2);
    expectValid(srv.bodies[0]!);
  });

  it('publishes a tenant alert with its code and parameters, and a platform alert without a tenant', async () => {
    const srv = await serve(acceptLikeTheService);
    const metrics = new MetricsPublisher(new EventClient({ baseUrl: srv.url, apiKey: 'k' }));
    const tenantAlert = await metrics.publishAlert('acme', {
      alertId: 'q-1', rule: 'queue_depth_high', severity: 'warning', message: 'Queue depth 120 (threshold 100)', code: 'queue_depth_high', params: { value: 120, threshold: 100 }, value: 120, threshold: 100,
    });
    const platformAlert = await metrics.publishAlert(null, { rule: 'backup_failed', severity: 'critical', state: 'open', message: 'Nightly backup failed', code: 'backup_failed' });
    expect([tenantAlert.channel, platformAlert.channel]).toEqual(['alerts:acme', 'admin:alerts']);
    expect(srv.bodies[0]).toMatchObject({ type: 'alert', tenantId: 'acme', data: { code: 'queue_depth_high', params: { value: 120, threshold: 100 } } });
    expect(srv.bodies[1]).not.toHaveProperty('tenantId');
    for (const body of srv.bodies) expectValid(body);
  });

  it('surfaces the service’s refusal (a key not scoped to every tenant publishing host metrics)', async () => {
    const srv = await serve(() => ({ status: 403, body: { status: 403, code: 'ERR_INGEST_SCOPE', detail: 'outside the key’s scope', errors: [{ path: '(root)', message: 'admin:metrics' }] } }));
    const metrics = new MetricsPublisher(new EventClient({ baseUrl: srv.url, apiKey: 'k' }));
    const err = await metrics.publishSystemMetrics(sample).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect(err).toMatchObject({ status: 403, retryable: false, problem: { code: 'ERR_INGEST_SCOPE' } });
  });
});

describe('DeploymentPublisher: configuration and coded errors', () => {
  it('carries the request’s size and requester in the start, and an error as code + params + fallback', async () => {
    const srv = await serve(acceptLikeTheService);
    const deployments = new DeploymentPublisher(new EventClient({ baseUrl: srv.url, apiKey: 'k' }));
    await deployments.publishStart('acme', 'dep-9', 'odoo', { instanceName: 'ERP ventas', size: 'large', requestedBy: 'u-ana', steps: ['Pull'] });
    await deployments.publishError('acme', 'dep-9', 'Image failed its signature check', { code: 'image_signature_invalid', params: { step: 'Pull' }, currentStep: 'Pull' });
    expect(srv.bodies[0]).toMatchObject({ type: 'deployment_start', data: { instanceName: 'ERP ventas', size: 'large', requestedBy: 'u-ana' } });
    expect(srv.bodies[1]).toMatchObject({ type: 'deployment_error', data: { error: 'Image failed its signature check', code: 'image_signature_invalid', params: { step: 'Pull' } } });
    for (const body of srv.bodies) expectValid(body);
  });
});
