import { describe, expect, it } from 'vitest';
import { channelOf, EVENT_TYPES, eventRegistry, ingestEventSchema, MAX_EVENT_DATA_BYTES, parseIngestEvent, uuidv7 } from '@neo/contracts';

describe('event registry', () => {
  it('has the twelve types of DESIGN.md, and instance_status (systems online / offline, issue 16)', () => {
    expect(EVENT_TYPES.sort()).toEqual([
      'alert', 'billing_invoice', 'billing_payment', 'billing_plan_change', 'billing_subscription', 'billing_usage_alert',
      'deployment_complete', 'deployment_error', 'deployment_progress', 'deployment_start', 'instance_status', 'metrics_update', 'presence_update',
    ]);
    expect(channelOf('instance_status', 'acme')).toBe('metrics:acme');
    expect(channelOf('instance_status', undefined)).toBeNull();
  });

  it('routes types to topic-first channels', () => {
    expect(channelOf('deployment_start', 'acme')).toBe('deployments:acme');
    expect(channelOf('billing_invoice', 'acme')).toBe('billing:acme');
    expect(channelOf('metrics_update', undefined)).toBe('admin:metrics');
    expect(channelOf('alert', undefined)).toBe('admin:alerts');
    expect(channelOf('deployment_start', undefined)).toBeNull();
  });

  it('accepts a valid event', () => {
    const r = ingestEventSchema.safeParse({ type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'd-1', progress: 40, currentStep: 'Configurando' } });
    expect(r.success).toBe(true);
  });

  it('reports the failing field paths', () => {
    const r = ingestEventSchema.safeParse({ type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'd-1', progress: 140 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['data.currentStep', 'data.progress']);
  });

  it('refuses unknown keys in data, a missing tenant, and unknown types', () => {
    expect(ingestEventSchema.safeParse({ type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'pro', extra: 1 } }).success).toBe(false);
    const noTenant = ingestEventSchema.safeParse({ type: 'billing_plan_change', data: { toPlan: 'pro' } });
    expect(noTenant.error!.issues[0]!.path).toEqual(['tenantId']);
    const unknown = ingestEventSchema.safeParse({ type: 'nope', data: {} });
    expect(unknown.error!.issues[0]!.path).toEqual(['type']);
  });

  it('parseIngestEvent (the service\'s ingest) answers as ingestEventSchema does, with data parsed once and its JSON', () => {
    const candidates: unknown[] = [
      { type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'd-1', progress: 40, currentStep: 'Configurando' } },
      { type: 'metrics_update', tenantId: 'acme', timestamp: '2026-12-02T10:00:00Z', data: { instanceId: 'i-1', cpu: 1, memory: 2, disk: 3, networkIn: 4, networkOut: 5, uptime: 6 } },
      { type: 'alert', data: { rule: 'cpu', severity: 'warning', message: 'alto' } },
      { type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'd-1', progress: 140 } },
      { type: 'billing_plan_change', tenantId: 'acme', data: { toPlan: 'pro', extra: 1 } },
      { type: 'billing_plan_change', data: { toPlan: 'pro' } },
      { type: 'billing_plan_change', data: {} },
      { type: 'billing_plan_change', tenantId: 'Bad', data: {} },
      { type: 'nope', data: {} },
      { type: 'alert', data: { rule: 'x', severity: 'info', message: 'x' }, extra: true },
      { id: 'not-a-uuid', type: 'alert', data: { rule: 'x', severity: 'info', message: 'x' } },
      { type: 'alert', data: { rule: 'x', severity: 'info', message: 'x'.repeat(100), params: { a: 'ñ'.repeat(MAX_EVENT_DATA_BYTES / 2) } } },
      null,
      'text',
    ];
    for (const candidate of candidates) {
      const schema = ingestEventSchema.safeParse(candidate);
      const ours = parseIngestEvent(candidate);
      expect(ours.success, JSON.stringify(candidate)?.slice(0, 200)).toBe(schema.success);
      if (schema.success && ours.success) {
        const type = schema.data.type as (typeof EVENT_TYPES)[number];
        expect(ours.event.data).toEqual(eventRegistry[type].data.parse(schema.data.data));
        expect(ours.dataJson).toBe(JSON.stringify(ours.event.data));
        expect(ours.dataBytes).toBe(new TextEncoder().encode(ours.dataJson).length);
        expect({ ...ours.event, data: schema.data.data }).toEqual(schema.data);
      } else if (!schema.success && !ours.success) {
        const pick = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) => issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
        expect(pick(ours.issues)).toEqual(pick(schema.error.issues));
      }
    }
  });

  it('makes time-ordered UUID v7 ids', () => {
    const a = uuidv7(1_000);
    const b = uuidv7(2_000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
  });
});
