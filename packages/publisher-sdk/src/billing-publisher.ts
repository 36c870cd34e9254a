import type { AcceptedEvent, EventDataInput } from '@neo/contracts';
import type { EventClient } from './client';

/** Publishes billing events. Usage alerts are sent as samples; the service decides which cross a threshold. */
export class BillingPublisher {
  constructor(private readonly client: EventClient) {}

  publishInvoice(tenantId: string, invoiceId: string, amount: number, currency: string, options: { dueDate?: string; status?: 'pending' | 'paid' | 'overdue' | 'cancelled'; message?: string } = {}): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'billing_invoice', tenantId, data: { invoiceId, amount, currency, ...options } });
  }

  publishPaymentStatus(tenantId: string, paymentId: string, status: 'approved' | 'rejected', options: Omit<EventDataInput<'billing_payment'>, 'paymentId' | 'status'> = {}): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'billing_payment', tenantId, data: { paymentId, status, ...options } });
  }

  publishUsageAlert(tenantId: string, usage: number, limit: number, resource: string, period?: string): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'billing_usage_alert', tenantId, data: { usage, limit, resource, ...(period ? { period } : {}) } });
  }

  publishPlanChange(tenantId: string, toPlan: string, fromPlan?: string, message?: string): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'billing_plan_change', tenantId, data: { toPlan, ...(fromPlan ? { fromPlan } : {}), ...(message ? { message } : {}) } });
  }

  publishSubscriptionChange(tenantId: string, status: EventDataInput<'billing_subscription'>['status'], planName?: string, message?: string): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'billing_subscription', tenantId, data: { status, ...(planName ? { planName } : {}), ...(message ? { message } : {}) } });
  }
}
