import type { MessageKey } from '../i18n/es-MX';
import type { BillingNotification } from './useNotificationCenter';

export type NotificationColor = 'info' | 'success' | 'error' | 'warning' | 'primary' | 'neutral';

/** How a notification reads in the user's language: the service stores facts, the portal words them. */
export function useNotificationText() {
  const { t, locale } = useT();
  const { formatMoney } = useFormat();

  /** A calendar day (`YYYY-MM-DD`) in the reader's locale; read as UTC so that no time zone moves it a day. */
  function formatDay(day: string): string {
    const date = new Date(`${day}T00:00:00Z`);
    return Number.isNaN(date.getTime()) ? day : date.toLocaleDateString(locale.value, { dateStyle: 'medium', timeZone: 'UTC' });
  }

  /** When an invoice is due, worded ("Vence el 15 ene 2027"); null for other notifications. */
  function dueText(n: BillingNotification): string | null {
    return n.type === 'billing_invoice' && n.dueDate ? t('billing.invoice.due', { date: formatDay(n.dueDate) }) : null;
  }

  function describe(n: BillingNotification): { title: string; body: string; icon: string; color: NotificationColor } {
    const money = n.amount !== null && n.currency ? formatMoney(n.amount, n.currency) : '';
    const d = n.details;
    switch (n.type) {
      case 'billing_invoice':
        return { title: t('billing.invoice.title'), body: n.message ?? t('billing.invoice.body', { id: String(d.invoiceId ?? ''), amount: money }), icon: 'i-lucide-file-text', color: 'info' };
      case 'billing_payment':
        return n.status === 'approved'
          ? { title: t('billing.payment.approved'), body: n.message ?? t('billing.payment.approvedBody', { amount: money }), icon: 'i-lucide-credit-card', color: 'success' }
          : { title: t('billing.payment.rejected'), body: n.message ?? t('billing.payment.rejectedBody', { amount: money, reason: String(d.reason ?? '—') }), icon: 'i-lucide-credit-card', color: 'error' };
      case 'billing_plan_change':
        return { title: t('billing.plan.title'), body: n.message ?? t('billing.plan.body', { from: String(d.fromPlan ?? '—'), to: String(d.toPlan ?? '') }), icon: 'i-lucide-refresh-cw', color: 'primary' };
      case 'billing_subscription':
        return { title: t('billing.subscription.title'), body: n.message ?? t('billing.subscription.body', { status: t(`billing.subscription.${n.status ?? 'active'}` as MessageKey) }), icon: 'i-lucide-users', color: 'neutral' };
      case 'billing_usage_alert':
        return {
          title: t('billing.usage.title', { threshold: Number(d.threshold ?? 0) }),
          body: n.message ?? t('billing.usage.body', { resource: String(d.resource ?? ''), percent: Number(d.percent ?? 0), usage: Number(d.usage ?? 0), limit: Number(d.limit ?? 0) }),
          icon: 'i-lucide-triangle-alert',
          color: Number(d.threshold) >= 100 ? 'error' : 'warning',
        };
    }
  }

  return { describe, dueText };
}
