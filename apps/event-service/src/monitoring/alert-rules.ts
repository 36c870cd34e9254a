import type { AlertSeverity } from '@neo/contracts';
import type { RuleState } from '../store/monitoring-store';

/** A threshold rule: `metric` above `warning`/`critical` for `forSeconds` opens an alert. */
export interface AlertRule {
  /** Stable id, e.g. `cpu_high`. */
  id: string;
  /** Name of the figure in a sample, e.g. `cpu`. */
  metric: string;
  warning: number;
  critical: number;
  /** How long the value must stay over a threshold before the alert opens, seconds. */
  forSeconds: number;
  /**
   * How far under the warning threshold the value must fall to resolve, in the metric's unit. Stops an
   * alert from flapping open and shut around the threshold. Default 5.
   */
  hysteresis?: number;
  /**
   * English fallback text for API consumers; `{value}` and `{threshold}` are filled in. People read the
   * alert in their language: the portal words the code (the rule id) with `value` and `threshold`.
   */
  message: string;
}

export interface AlertTransition {
  kind: 'open' | 'updated' | 'resolved';
  ruleId: string;
  severity: AlertSeverity;
  value: number;
  threshold: number;
  /** English fallback text. */
  message: string;
  /** The message code (the rule id) and its parameters, for the reader's language. */
  code: string;
  params: { value: number; threshold: number };
}

export type { RuleState };

export const CLOSED: RuleState = Object.freeze({ overSince: null, open: null, openedAt: null });

/**
 * One rule, one sample: the next state, and the transition to announce if any. Pure, so the same logic
 * serves the in-memory host evaluator and the tenant evaluator whose state lives in the database.
 */
export function stepRule(rule: AlertRule, state: RuleState, value: number, nowMs: number): { state: RuleState; transition: AlertTransition | null } {
  const severity: AlertSeverity | null = value >= rule.critical ? 'critical' : value >= rule.warning ? 'warning' : null;
  const text = (threshold: number) => rule.message.replace('{value}', value.toFixed(1)).replace('{threshold}', String(threshold));
  const worded = (threshold: number) => ({ message: text(threshold), code: rule.id, params: { value: Math.round(value * 10) / 10, threshold } });
  if (severity) {
    const overSince = state.overSince ?? nowMs;
    const threshold = severity === 'critical' ? rule.critical : rule.warning;
    if (state.open === null && nowMs - overSince >= rule.forSeconds * 1000) {
      return { state: { overSince, open: severity, openedAt: nowMs }, transition: { kind: 'open', ruleId: rule.id, severity, value, threshold, ...worded(threshold) } };
    }
    if (state.open !== null && state.open !== severity) {
      return { state: { ...state, overSince, open: severity }, transition: { kind: 'updated', ruleId: rule.id, severity, value, threshold, ...worded(threshold) } };
    }
    return { state: { ...state, overSince }, transition: null };
  }
  // Under the warning threshold: the streak ends; an open alert resolves only below the hysteresis band.
  if (state.open !== null && value <= rule.warning - (rule.hysteresis ?? 5)) {
    return { state: CLOSED, transition: { kind: 'resolved', ruleId: rule.id, severity: state.open, value, threshold: rule.warning, ...worded(rule.warning) } };
  }
  return { state: { ...state, overSince: null }, transition: null };
}

/**
 * Evaluates samples against rules and says when an alert opens, changes severity, or resolves, so an
 * alert is raised once and updated while open instead of repeated on every sample. One evaluator per
 * subject (the host). The caller supplies the clock.
 */
export class AlertEvaluator {
  readonly #rules: readonly AlertRule[];
  readonly #state = new Map<string, RuleState>();

  constructor(rules: readonly AlertRule[]) {
    this.#rules = rules;
  }

  evaluate(sample: Readonly<Record<string, number>>, nowMs: number): AlertTransition[] {
    const out: AlertTransition[] = [];
    for (const rule of this.#rules) {
      const value = sample[rule.metric];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const { state, transition } = stepRule(rule, this.#state.get(rule.id) ?? CLOSED, value, nowMs);
      this.#state.set(rule.id, state);
      if (transition) out.push(transition);
    }
    return out;
  }

  /** When the open alert of `ruleId` opened (ms), if it is open. */
  openedAt(ruleId: string): number | null {
    return this.#state.get(ruleId)?.openedAt ?? null;
  }

  /** Rules whose alert is open now, with severity. */
  openAlerts(): Array<{ ruleId: string; severity: AlertSeverity }> {
    return [...this.#state].filter(([, s]) => s.open !== null).map(([ruleId, s]) => ({ ruleId, severity: s.open! }));
  }
}

/** The host rules of the admin dashboard (CPU over 80 % for 30 s, …). */
export const HOST_ALERT_RULES: readonly AlertRule[] = [
  { id: 'cpu_high', metric: 'cpu', warning: 80, critical: 95, forSeconds: 30, message: 'CPU at {value} % (threshold {threshold} %)' },
  { id: 'memory_high', metric: 'memory', warning: 85, critical: 95, forSeconds: 60, message: 'Memory at {value} % (threshold {threshold} %)' },
  { id: 'disk_high', metric: 'disk', warning: 85, critical: 95, forSeconds: 60, hysteresis: 2, message: 'Disk at {value} % (threshold {threshold} %)' },
];

/** The rules for a tenant's instances; `forSeconds` is configurable (TENANT_ALERT_FOR_SECONDS). */
export function tenantAlertRules(forSeconds: number): AlertRule[] {
  return [
    { id: 'instance_cpu_high', metric: 'cpu', warning: 80, critical: 95, forSeconds, message: 'Instance CPU at {value} % (threshold {threshold} %)' },
    { id: 'instance_memory_high', metric: 'memory', warning: 85, critical: 95, forSeconds, message: 'Instance memory at {value} % (threshold {threshold} %)' },
    { id: 'instance_disk_high', metric: 'disk', warning: 85, critical: 95, forSeconds, hysteresis: 2, message: 'Instance disk at {value} % (threshold {threshold} %)' },
  ];
}
