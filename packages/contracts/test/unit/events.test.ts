import { describe, expect, it } from 'vitest';
import { channelOf, EVENT_TYPES, ingestEventSchema, uuidv7 } from '@neo/contracts';

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

  it('makes time-ordered UUID v7 ids', () => {
    const a = uuidv7(1_000);
    const b = uuidv7(2_000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
  });
});
