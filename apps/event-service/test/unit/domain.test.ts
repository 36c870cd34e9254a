import { describe, expect, it } from 'vitest';
import type { DeploymentEnvelope, DeploymentState, EventEnvelope } from '@neo/contracts';
import { AppError } from '../../src/errors';
import { DEPLOYMENT_LOG_TAIL, estimateCompletion, medianMs, transition } from '../../src/domain/deployments';
import { billingPeriodOf, crossedThreshold, notificationOf } from '../../src/domain/billing';

let n = 0;
const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
function ev<T extends DeploymentEnvelope['type']>(type: T, data: EventEnvelope<T>['data'], s = n++): DeploymentEnvelope {
  return { id: `id-${s}`, type, tenantId: 'acme', data, timestamp: at(s) } as DeploymentEnvelope;
}
const start = () => transition(null, ev('deployment_start', { deploymentId: 'd1', instanceType: 'netbox', steps: ['a', 'b'], logs: ['hola'] }, 0));
function refused(fn: () => unknown): { code: string; status: number } {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, status: err.status };
    throw err;
  }
  throw new Error('not refused');
}

describe('deployment state machine', () => {
  it('starting → in_progress → completed, carrying the instance type, steps and logs', () => {
    let s: DeploymentState = start();
    expect(s).toMatchObject({ status: 'starting', progress: 0, instanceType: 'netbox', currentStep: 'a', steps: ['a', 'b'], logs: ['hola'], version: 1 });
    s = transition(s, ev('deployment_progress', { deploymentId: 'd1', progress: 40, currentStep: 'b', logs: ['x'] }, 10));
    expect(s).toMatchObject({ status: 'in_progress', progress: 40, currentStep: 'b', logs: ['hola', 'x'], version: 2 });
    s = transition(s, ev('deployment_progress', { deploymentId: 'd1', progress: 40, currentStep: 'b' }, 11));
    expect(s.progress).toBe(40);
    s = transition(s, ev('deployment_complete', { deploymentId: 'd1', instanceUrl: 'https://x.test' }, 30));
    expect(s).toMatchObject({ status: 'completed', progress: 100, instanceType: 'netbox', instanceUrl: 'https://x.test', finishedAt: at(30) });
  });

  it('a failure keeps the progress reached and the error', () => {
    let s = transition(start(), ev('deployment_progress', { deploymentId: 'd1', progress: 55, currentStep: 'b' }));
    s = transition(s, ev('deployment_error', { deploymentId: 'd1', error: 'disco lleno' }));
    expect(s).toMatchObject({ status: 'failed', progress: 55, error: 'disco lleno', currentStep: 'b' });
    expect(s.finishedAt).not.toBeNull();
  });

  it('refuses: second start 409, unknown 404, backwards 400, after the end 409', () => {
    const s = start();
    expect(refused(() => transition(s, ev('deployment_start', { deploymentId: 'd1', instanceType: 'odoo' })))).toEqual({ code: 'ERR_CONFLICT', status: 409 });
    expect(refused(() => transition(null, ev('deployment_progress', { deploymentId: 'd9', progress: 5, currentStep: 'a' })))).toEqual({ code: 'ERR_NOT_FOUND', status: 404 });
    const p = transition(s, ev('deployment_progress', { deploymentId: 'd1', progress: 50, currentStep: 'a' }));
    expect(refused(() => transition(p, ev('deployment_progress', { deploymentId: 'd1', progress: 49, currentStep: 'a' })))).toEqual({ code: 'ERR_VALIDATION', status: 400 });
    const done = transition(p, ev('deployment_complete', { deploymentId: 'd1' }));
    expect(refused(() => transition(done, ev('deployment_progress', { deploymentId: 'd1', progress: 100, currentStep: 'a' })))).toEqual({ code: 'ERR_CONFLICT', status: 409 });
    expect(refused(() => transition(done, ev('deployment_error', { deploymentId: 'd1', error: 'late' })))).toEqual({ code: 'ERR_CONFLICT', status: 409 });
    // Twin: the refused events changed nothing.
    expect(done.status).toBe('completed');
  });

  it('keeps a bounded log tail and counts every line', () => {
    let s = start();
    for (let i = 0; i < 3; i++) {
      s = transition(s, ev('deployment_progress', { deploymentId: 'd1', progress: i, currentStep: 'a', logs: Array.from({ length: 100 }, (_, j) => `l${i}-${j}`) }));
    }
    expect(s.logs).toHaveLength(DEPLOYMENT_LOG_TAIL);
    expect(s.logs.at(-1)).toBe('l2-99');
    expect(s.logCount).toBe(301);
  });
});

describe('ETA', () => {
  it('median of past durations; none without history or once finished', () => {
    expect(medianMs([])).toBeNull();
    expect(medianMs([30, 10, 20])).toBe(20);
    expect(medianMs([10, 20, 30, 40])).toBe(25);
    const now = Date.parse(at(10));
    expect(estimateCompletion({ status: 'in_progress', progress: 30, startedAt: at(0) }, null, now)).toBeNull();
    expect(estimateCompletion({ status: 'in_progress', progress: 30, startedAt: at(0) }, 30_000, now)).toBe(at(30));
    expect(estimateCompletion({ status: 'completed', progress: 100, startedAt: at(0) }, 30_000, now)).toBeNull();
    // Past the median it extrapolates from the progress instead of answering a time in the past.
    const late = Date.parse(at(40));
    expect(Date.parse(estimateCompletion({ status: 'in_progress', progress: 80, startedAt: at(0) }, 30_000, late)!)).toBe(late + 10_000);
  });
});

describe('usage thresholds', () => {
  it('fires once per threshold crossed, the highest when several at once', () => {
    expect(crossedThreshold(null, 79, 100)).toBeNull();
    expect(crossedThreshold(null, 80, 100)).toBe(80);
    expect(crossedThreshold(80, 85, 100)).toBeNull();
    expect(crossedThreshold(80, 91, 100)).toBe(90);
    expect(crossedThreshold(null, 95, 100)).toBe(90);
    expect(crossedThreshold(90, 120, 100)).toBe(100);
    expect(crossedThreshold(100, 150, 100)).toBeNull();
    // Going down and up again within the period does not repeat.
    expect(crossedThreshold(90, 70, 100)).toBeNull();
    expect(crossedThreshold(90, 92, 100)).toBeNull();
  });

  it('period from the sample, else the UTC month of its timestamp', () => {
    expect(billingPeriodOf('2025-02', '2025-03-01T00:00:00Z')).toBe('2025-02');
    expect(billingPeriodOf(undefined, '2025-03-31T23:59:59.000Z')).toBe('2025-03');
  });

  it('a notification carries amount, currency and the crossed threshold', () => {
    const invoice = notificationOf({ id: 'i', type: 'billing_invoice', tenantId: 'acme', timestamp: at(0), data: { invoiceId: 'F-1', amount: 1499.5, currency: 'MXN', status: 'pending' } });
    expect(invoice).toMatchObject({ type: 'billing_invoice', amount: 1499.5, currency: 'MXN', status: 'pending', details: { invoiceId: 'F-1' } });
    const alert = notificationOf({ id: 'u', type: 'billing_usage_alert', tenantId: 'acme', timestamp: at(0), data: { resource: 'storage', usage: 91, limit: 100 } }, 90);
    expect(alert).toMatchObject({ status: '90', details: { resource: 'storage', percent: 91, threshold: 90, period: '2025-01' } });
  });
});
