import type { BillingPublisher } from '@neo/publisher-sdk';

/** Simulated billing of one tenant: invoices, payments, usage samples that climb through the thresholds. */
export class BillingSimulator {
  #invoice = 0;
  #usage = new Map<string, number>();
  #period: string;
  #lastInvoice: { id: string; amount: number } | null = null;

  constructor(
    private readonly tenantId: string,
    private readonly currency: string,
    private readonly billing: BillingPublisher,
    private readonly log: (line: string) => void,
    private readonly random: () => number = Math.random,
  ) {
    this.#period = new Date().toISOString().slice(0, 7);
  }

  /** Publishes one billing event, picked with weights that look like a month of a real account. */
  async tick(): Promise<void> {
    const r = this.random();
    if (r < 0.3) return this.#invoiceEvent();
    if (r < 0.5 && this.#lastInvoice) return this.#payment();
    if (r < 0.9) return this.#usageSample();
    if (r < 0.95) {
      await this.billing.publishPlanChange(this.tenantId, 'Empresarial', 'Profesional');
      return this.log(`billing ${this.tenantId}: plan change`);
    }
    await this.billing.publishSubscriptionChange(this.tenantId, 'active', 'Empresarial');
    this.log(`billing ${this.tenantId}: subscription active`);
  }

  async #invoiceEvent(): Promise<void> {
    const id = `F-${this.tenantId.toUpperCase()}-${String(++this.#invoice).padStart(4, '0')}`;
    const amount = Math.round((800 + this.random() * 9_000) * 100) / 100;
    await this.billing.publishInvoice(this.tenantId, id, amount, this.currency, { dueDate: new Date(Date.now() + 15 * 86_400_000).toISOString().slice(0, 10) });
    this.#lastInvoice = { id, amount };
    this.log(`billing ${this.tenantId}: invoice ${id} ${amount} ${this.currency}`);
  }

  async #payment(): Promise<void> {
    const invoice = this.#lastInvoice!;
    const approved = this.random() < 0.75;
    await this.billing.publishPaymentStatus(this.tenantId, `P-${invoice.id.slice(2)}`, approved ? 'approved' : 'rejected', {
      invoiceId: invoice.id,
      amount: invoice.amount,
      currency: this.currency,
      ...(approved ? {} : { reason: 'Tarjeta rechazada por el banco emisor' }),
    });
    if (approved) this.#lastInvoice = null;
    this.log(`billing ${this.tenantId}: payment ${approved ? 'approved' : 'rejected'} for ${invoice.id}`);
  }

  async #usageSample(): Promise<void> {
    const resource = this.random() < 0.5 ? 'almacenamiento' : 'vcpu_horas';
    const limit = resource === 'almacenamiento' ? 500 : 2_000;
    let usage = (this.#usage.get(resource) ?? limit * 0.6) + limit * (0.03 + this.random() * 0.08);
    if (usage > limit * 1.08) {
      // Demo time runs fast: start a new billing period rather than staying above the limit forever.
      const [y, m] = this.#period.split('-').map(Number) as [number, number];
      this.#period = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
      usage = limit * 0.5;
    }
    this.#usage.set(resource, usage);
    const rounded = Math.round(usage * 10) / 10;
    await this.billing.publishUsageAlert(this.tenantId, rounded, limit, resource, this.#period);
    this.log(`billing ${this.tenantId}: usage ${resource} ${Math.round((usage / limit) * 100)} % (${this.#period})`);
  }
}
