import { describe, expect, it } from 'vitest';
import { EventClient, PublishError, DeploymentPublisher, RETRYABLE_STATUSES } from '@neo/publisher-sdk';
import { serve } from '../helpers/ingest-server';

const accepted = (body: Record<string, unknown>) => ({ accepted: [{ id: body.id, channel: 'deployments:acme' }] });

describe('EventClient', () => {
  it('retries 503s with backoff and the same id, then resolves', async () => {
    const srv = await serve((n, body) => (n < 3 ? { status: 503, body: { code: 'ERR_DATABASE_UNAVAILABLE', detail: 'down' } } : { status: 202, body: accepted(body) }));
    const client = new EventClient({ baseUrl: srv.url, apiKey: 'k', minBackoffMs: 5 });
    const r = await new DeploymentPublisher(client).publishProgress('acme', 'd-1', 50, 'Instalando');
    expect(srv.bodies).toHaveLength(3);
    expect(new Set(srv.bodies.map((b) => b.id)).size).toBe(1);
    expect(r.id).toBe(srv.bodies[0]!.id);
  });

  it('does not retry a 400 and surfaces the problem document', async () => {
    const srv = await serve(() => ({ status: 400, body: { status: 400, code: 'ERR_VALIDATION', detail: 'invalid event: data.progress', errors: [{ path: 'data.progress', message: 'too big' }] } }));
    const client = new EventClient({ baseUrl: srv.url, apiKey: 'k', minBackoffMs: 5 });
    const err = await client.publish({ type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'd', progress: 50, currentStep: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect(err).toMatchObject({ status: 400, retryable: false, problem: { code: 'ERR_VALIDATION' } });
    expect(srv.bodies).toHaveLength(1);
  });

  it('times out a hung attempt and retries it', async () => {
    const srv = await serve((n, body) => ({ status: 202, body: accepted(body), delayMs: n === 1 ? 1000 : 0 }));
    const client = new EventClient({ baseUrl: srv.url, apiKey: 'k', timeoutMs: 100, minBackoffMs: 5 });
    await client.publish({ type: 'deployment_complete', tenantId: 'acme', data: { deploymentId: 'd' } });
    expect(srv.bodies.length).toBeGreaterThanOrEqual(2);
    expect(srv.bodies[0]!.id).toBe(srv.bodies[1]!.id);
  });

  it('honours Retry-After on 429 and sends a batch as one request', async () => {
    const srv = await serve((n, body) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { code: 'ERR_RATE_LIMITED' } } : { status: 202, body: { accepted: (body.events as Array<{ id: string }>).map((e) => ({ id: e.id, channel: 'billing:acme' })) } }));
    const client = new EventClient({ baseUrl: srv.url, apiKey: 'k' });
    const started = Date.now();
    const r = await client.publishBatch([
      { type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'pro' } },
      { type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'enterprise' } },
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(r).toHaveLength(2);
    expect(srv.bodies[0]).toEqual(srv.bodies[1]);
  });

  it.each([400, 401, 403, 404, 409, 413, 415, 422, 431])('does not retry a %i: the input or the key is at fault', async (status) => {
    const srv = await serve(() => ({ status, body: { status, code: 'ERR_X', detail: 'refused' } }));
    const client = new EventClient({ baseUrl: srv.url, apiKey: 'k', minBackoffMs: 5 });
    const err = await client.publish({ type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'pro' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'PublishError', status, retryable: false });
    expect(srv.bodies).toHaveLength(1);
  });

  it.each([408, 429, 500, 502, 503, 504])('retries a %i with the same id', async (status) => {
    const srv = await serve((n, body) => (n === 1 ? { status, body: { status } } : { status: 202, body: accepted(body) }));
    const client = new EventClient({ baseUrl: srv.url, apiKey: 'k', minBackoffMs: 5 });
    await client.publish({ type: 'deployment_complete', tenantId: 'acme', data: { deploymentId: 'd' } });
    expect(srv.bodies).toHaveLength(2);
    expect(srv.bodies[0]!.id).toBe(srv.bodies[1]!.id);
    expect(RETRYABLE_STATUSES.has(status)).toBe(true);
  });

  it('retries a 500 at most maxAttempts times, then fails retryable', async () => {
    const srv = await serve(() => ({ status: 500, body: { status: 500, code: 'ERR_INTERNAL', detail: 'boom' } }));
    const client = new EventClient({ baseUrl: srv.url, apiKey: 'k', maxAttempts: 3, minBackoffMs: 5 });
    const err = await client.publish({ type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'pro' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 500, retryable: true, problem: { code: 'ERR_INTERNAL' } });
    expect(srv.bodies).toHaveLength(3);
  });

  it('keeps a publish within maxElapsedMs, cutting an attempt that hangs', async () => {
    // The service answers only after 3 s: without the cut, the first attempt would wait for it (timeoutMs 5 s).
    const srv = await serve((_n, body) => ({ status: 202, body: accepted(body), delayMs: 3000 }));
    const client = new EventClient({ baseUrl: srv.url, apiKey: 'k', timeoutMs: 5000, maxElapsedMs: 400, minBackoffMs: 5 });
    const started = Date.now();
    const err = await client.publish({ type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'pro' } }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({ status: 0, retryable: true });
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(1500);
  });

  it('gives up at once when Retry-After points past the time budget', async () => {
    const srv = await serve(() => ({ status: 503, headers: { 'retry-after': '60' }, body: { status: 503, code: 'ERR_DATABASE_UNAVAILABLE' } }));
    const client = new EventClient({ baseUrl: srv.url, apiKey: 'k', maxElapsedMs: 10_000 });
    const started = Date.now();
    const err = await client.publish({ type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'pro' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, retryable: true });
    expect(srv.bodies).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('gives up with a retryable error when the service stays unreachable', async () => {
    const client = new EventClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', maxAttempts: 3, minBackoffMs: 5 });
    const err = await client.publish({ type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'pro' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, retryable: true });
  });
});
