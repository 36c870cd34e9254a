import type { EventEnvelope, EventType } from '@neo/contracts';

/**
 * Billing rules. Every billing event is stored and relayed (history and audit keep all of them); the
 * notification centre gets one notification per event, EXCEPT usage samples that cross no new
 * threshold: a usage alert notifies once per threshold (80/90/100 %) per resource per billing period.
 * A sample that jumps several thresholds at once (70 % → 95 %) notifies once, for the highest (90 %):
 * the lower one is implied and two notifications for one sample would be the spam this rule prevents.
 */

export const USAGE_THRESHOLDS = [80, 90, 100] as const;
export type UsageThreshold = (typeof USAGE_THRESHOLDS)[number];

export type BillingEventType = Extract<EventType, `billing_${string}`>;
export const BILLING_EVENT_TYPES: readonly BillingEventType[] = ['billing_invoice', 'billing_payment', 'billing_plan_change', 'billing_usage_alert', 'billing_subscription'];
export type BillingEnvelope = { [T in BillingEventType]: EventEnvelope<T> }[BillingEventType];

/** Usage in percent of the limit, rounded to 0.1. */
export function usagePercent(usage: number, limit: number): number {
  return Math.round((usage / limit) * 1000) / 10;
}

/**
 * The threshold a sample crosses for the first time in its period, given the highest one already
 * notified (`null`: none yet), or null when it crosses nothing new.
 */
export function crossedThreshold(alreadyNotified: number | null, usage: number, limit: number): UsageThreshold | null {
  const percent = (usage / limit) * 100;
  const reached = USAGE_THRESHOLDS.filter((t) => percent >= t);
  const highest = reached[reached.length - 1];
  if (highest === undefined) return null;
  return alreadyNotified === null || highest > alreadyNotified ? highest : null;
}

/** The billing period of a usage sample: its own `period`, else the UTC month of its timestamp. */
export function billingPeriodOf(period: string | undefined, timestamp: string): string {
  return period ?? timestamp.slice(0, 7);
}

export interface NotificationDraft {
  id: string;
  tenantId: string;
  type: BillingEventType;
  /** `approved`, `rejected`, `pending`, … (the event's own status), or the threshold for usage alerts. */
  status: string | null;
  amount: number | null;
  currency: string | null;
  /** The producer's message, when it sent one; the portal words the rest in the reader's language. */
  message: string | null;
  /** The fields the portal needs to word the notification (plan names, resource, percent, …). */
  details: Record<string, string | number>;
  createdAt: string;
}

/** The notification of a billing event; for usage alerts, `threshold` is the one crossed. */
export function notificationOf(event: BillingEnvelope, threshold?: UsageThreshold): NotificationDraft {
  const base = { id: event.id, tenantId: event.tenantId ?? '', type: event.type, createdAt: event.timestamp, message: event.data.message ?? null };
  switch (event.type) {
    case 'billing_invoice':
      return { ...base, status: event.data.status, amount: event.data.amount, currency: event.data.currency, details: { invoiceId: event.data.invoiceId, ...(event.data.dueDate ? { dueDate: event.data.dueDate } : {}) } };
    case 'billing_payment':
      return {
        ...base,
        status: event.data.status,
        amount: event.data.amount ?? null,
        currency: event.data.currency ?? null,
        details: { paymentId: event.data.paymentId, ...(event.data.invoiceId ? { invoiceId: event.data.invoiceId } : {}), ...(event.data.reason ? { reason: event.data.reason } : {}) },
      };
    case 'billing_plan_change':
      return { ...base, status: null, amount: null, currency: null, details: { toPlan: event.data.toPlan, ...(event.data.fromPlan ? { fromPlan: event.data.fromPlan } : {}) } };
    case 'billing_subscription':
      return { ...base, status: event.data.status, amount: null, currency: null, details: { ...(event.data.planName ? { planName: event.data.planName } : {}) } };
    case 'billing_usage_alert':
      return {
        ...base,
        status: String(threshold ?? crossedThreshold(null, event.data.usage, event.data.limit) ?? 0),
        amount: null,
        currency: null,
        details: {
          resource: event.data.resource,
          usage: event.data.usage,
          limit: event.data.limit,
          percent: usagePercent(event.data.usage, event.data.limit),
          threshold: threshold ?? 0,
          period: billingPeriodOf(event.data.period, event.timestamp),
        },
      };
  }
}
