import type { Projector, Tx } from '../projector';
import type { ValidatedEvent } from '../validate';
import { BILLING_EVENT_TYPES, billingPeriodOf, crossedThreshold, notificationOf, type BillingEnvelope, type NotificationDraft } from '../../domain/billing';
import { addNotificationCounts, insertNotifications, lockNotificationCounts, lockUsageLevel, setUsageLevel } from '../../store/notification-store';

/**
 * One notification per billing event, except usage samples that cross no new threshold: those are
 * stored and relayed like every event (history, audit) but raise no notification.
 */
export const notificationProjector: Projector = {
  name: 'notifications',
  types: new Set(BILLING_EVENT_TYPES),
  async apply(tx: Tx, events: ValidatedEvent[]): Promise<void> {
    // The unread counts are kept in the same transaction (see lockNotificationCounts for the order).
    await lockNotificationCounts(tx, events.map((e) => e.envelope.tenantId!));
    // Drafts in event order, inserted in one statement at the end (a batch of 500 invoices is one insert,
    // not 500); only usage samples need a statement each, to lock and compare their resource's level.
    const drafts: NotificationDraft[] = [];
    for (const { envelope } of events) {
      const event = envelope as BillingEnvelope;
      const tenantId = event.tenantId!;
      if (event.type !== 'billing_usage_alert') {
        drafts.push(notificationOf(event));
        continue;
      }
      const period = billingPeriodOf(event.data.period, event.timestamp);
      const notified = await lockUsageLevel(tx, tenantId, event.data.resource, period);
      const crossed = crossedThreshold(notified, event.data.usage, event.data.limit);
      if (crossed === null) continue;
      await setUsageLevel(tx, tenantId, event.data.resource, period, crossed);
      drafts.push(notificationOf(event, crossed));
    }
    await addNotificationCounts(tx, await insertNotifications(tx, drafts));
  },
};
