import type { AcceptedEvent, AlertSeverity, EventDataInput, MessageParams } from '@neo/contracts';
import type { EventClient, OutgoingEvent } from './client';

/** The figures of one sample: percentages 0–100, network in bytes per second, uptime in seconds. */
export type MetricsSample = Omit<EventDataInput<'metrics_update'>, 'instanceId'>;

/** One tenant instance's sample, for {@link MetricsPublisher.publishTenantMetricsBatch}. */
export interface InstanceSample extends MetricsSample {
  tenantId: string;
  /** The instance the figures describe (its deployment id, for instances the platform deployed). */
  instanceId: string;
}

/** An alert: opened, updated while open (same `alertId`), resolved. */
export interface AlertInput {
  /** Names the alert across its updates; default the rule. */
  alertId?: string;
  /** The rule that fired, e.g. `queue_depth_high`. */
  rule: string;
  severity: AlertSeverity;
  /** Default `open`. */
  state?: 'open' | 'updated' | 'resolved';
  /** English fallback text for API consumers; the portal words `code` with `params` in the reader's language. */
  message: string;
  /** Stable message code (see docs/message-codes.md); the portal shows `message` for a code it does not know. */
  code?: string;
  params?: MessageParams;
  /** The tenant instance the alert is about, when it is about one. */
  instanceId?: string;
  value?: number;
  threshold?: number;
}

/**
 * Publishes use case 3's dashboards: system metrics (the platform host, to `admin:metrics`), tenant
 * instance metrics (to `metrics:{tenantId}`) and alerts (to `alerts:{tenantId}`, or `admin:alerts`
 * without a tenant). Host metrics and platform alerts need a key scoped to every tenant (`["*"]`).
 * The service keeps each instance's latest figures, learns its reporting interval, marks it stale then
 * offline when its reports stop, and raises its threshold alerts: a producer only reports.
 */
export class MetricsPublisher {
  constructor(private readonly client: EventClient) {}

  /** The platform host's figures, for the operators' dashboard (`admin:metrics`). */
  publishSystemMetrics(sample: MetricsSample): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'metrics_update', data: sample });
  }

  /** One tenant instance's figures (`metrics:{tenantId}`). */
  publishTenantMetrics(tenantId: string, instanceId: string, sample: MetricsSample): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'metrics_update', tenantId, data: { ...sample, instanceId } });
  }

  /** Many instances' figures in one request (at most 500), stored all or none: one round trip per report cycle. */
  publishTenantMetricsBatch(samples: readonly InstanceSample[]): Promise<AcceptedEvent[]> {
    const events: OutgoingEvent<'metrics_update'>[] = samples.map(({ tenantId, ...data }) => ({ type: 'metrics_update', tenantId, data }));
    return this.client.publishBatch(events);
  }

  /** An alert of a tenant (`alerts:{tenantId}`), or of the platform with `tenantId` null (`admin:alerts`). */
  publishAlert(tenantId: string | null, alert: AlertInput): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'alert', ...(tenantId === null ? {} : { tenantId }), data: alert });
  }
}
