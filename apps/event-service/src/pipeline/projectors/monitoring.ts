import type { EventEnvelope } from '@neo/contracts';
import type { Projector, Tx } from '../projector';
import { validateIngestBody, type ValidatedEvent } from '../validate';
import { appendEvents } from '../../store/event-store';
import { applyAlertChange, lockRuleStates, PLATFORM_SCOPE, saveRuleState, upsertInstanceMetrics } from '../../store/monitoring-store';
import { CLOSED, stepRule, type AlertRule } from '../../monitoring/alert-rules';

/** Keeps `alerts` (open and resolved, with severity) in step with `alert` events of every scope. */
export const alertProjector: Projector = {
  name: 'alerts',
  types: new Set(['alert']),
  async apply(tx: Tx, events: ValidatedEvent[]): Promise<void> {
    for (const { envelope } of events) {
      const e = envelope as EventEnvelope<'alert'>;
      await applyAlertChange(tx, {
        scope: e.tenantId ?? PLATFORM_SCOPE,
        tenantId: e.tenantId ?? null,
        alertId: e.data.alertId ?? e.data.rule,
        rule: e.data.rule,
        severity: e.data.severity,
        state: e.data.state,
        message: e.data.message,
        value: e.data.value ?? null,
        threshold: e.data.threshold ?? null,
        instanceId: e.data.instanceId ?? null,
        at: e.timestamp,
      });
    }
  },
};

/**
 * Tenant instance metrics: keeps the latest sample per instance, and evaluates the tenant alert rules
 * with their state in the database (so several service instances agree). A crossing becomes an `alert`
 * event appended in the same transaction, so it is stored, relayed and projected like any other.
 */
export function instanceMetricsProjector(rules: readonly AlertRule[], notify: boolean): Projector {
  return {
    name: 'instance-metrics',
    types: new Set(['metrics_update']),
    async apply(tx: Tx, events: ValidatedEvent[]): Promise<void> {
      for (const { envelope } of events) {
        const e = envelope as EventEnvelope<'metrics_update'>;
        if (!e.tenantId || !e.data.instanceId) continue;
        const d = e.data;
        const instanceId = d.instanceId!;
        await upsertInstanceMetrics(tx, e.tenantId, { instanceId, cpu: d.cpu, memory: d.memory, disk: d.disk, networkIn: d.networkIn, networkOut: d.networkOut, uptime: d.uptime, updatedAt: e.timestamp });
        const subject = `${e.tenantId}/${instanceId}`;
        const states = await lockRuleStates(tx, subject);
        const now = Date.parse(e.timestamp);
        const alerts: unknown[] = [];
        for (const rule of rules) {
          const before = states.get(rule.id) ?? CLOSED;
          const { state, transition } = stepRule(rule, before, d[rule.metric as 'cpu' | 'memory' | 'disk'], now);
          if (state.overSince !== before.overSince || state.open !== before.open || state.openedAt !== before.openedAt) await saveRuleState(tx, subject, rule.id, state);
          if (!transition) continue;
          const openedAt = state.openedAt ?? before.openedAt ?? now;
          alerts.push({
            type: 'alert',
            tenantId: e.tenantId,
            timestamp: e.timestamp,
            data: { alertId: `${rule.id}-${openedAt}-${instanceId}`.slice(0, 100), instanceId, rule: rule.id, severity: transition.severity, state: transition.kind, message: transition.message, value: transition.value, threshold: transition.threshold },
          });
        }
        if (alerts.length === 0) continue;
        const validated = validateIngestBody({ events: alerts });
        await appendEvents(tx, validated, notify);
        await alertProjector.apply(tx, validated);
      }
    },
  };
}
