import type { AlertSeverity } from '@neo/contracts';

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
  /** Human text; `{value}` and `{threshold}` are filled in. */
  message: string;
}

export type AlertTransition =
  | { kind: 'open'; ruleId: string; severity: AlertSeverity; value: number; threshold: number; message: string }
  | { kind: 'updated'; ruleId: string; severity: AlertSeverity; value: number; threshold: number; message: string }
  | { kind: 'resolved'; ruleId: string; severity: AlertSeverity; value: number; threshold: number; message: string };

interface RuleState {
  /** When the value first went over the warning threshold in the current streak (ms). */
  overSince: number | null;
  /** The severity the alert is open with; null when closed. */
  open: AlertSeverity | null;
}

/**
 * Evaluates samples against rules and says when an alert opens, changes severity, or resolves, so an
 * alert is raised once and updated while open instead of repeated on every sample. One evaluator per
 * subject (the host, or one tenant instance). Pure: the caller supplies the clock.
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
      const state = this.#state.get(rule.id) ?? { overSince: null, open: null };
      this.#state.set(rule.id, state);
      const severity: AlertSeverity | null = value >= rule.critical ? 'critical' : value >= rule.warning ? 'warning' : null;
      const text = (threshold: number) => rule.message.replace('{value}', value.toFixed(1)).replace('{threshold}', String(threshold));

      if (severity) {
        state.overSince ??= nowMs;
        const threshold = severity === 'critical' ? rule.critical : rule.warning;
        const held = nowMs - state.overSince >= rule.forSeconds * 1000;
        if (state.open === null && held) {
          state.open = severity;
          out.push({ kind: 'open', ruleId: rule.id, severity, value, threshold, message: text(threshold) });
        } else if (state.open !== null && state.open !== severity) {
          state.open = severity;
          out.push({ kind: 'updated', ruleId: rule.id, severity, value, threshold, message: text(threshold) });
        }
        continue;
      }
      // Under the warning threshold: the streak ends; an open alert resolves only below the hysteresis band.
      state.overSince = null;
      if (state.open !== null && value <= rule.warning - (rule.hysteresis ?? 5)) {
        out.push({ kind: 'resolved', ruleId: rule.id, severity: state.open, value, threshold: rule.warning, message: text(rule.warning) });
        state.open = null;
      }
    }
    return out;
  }

  /** Rules whose alert is open now, with severity. */
  openAlerts(): Array<{ ruleId: string; severity: AlertSeverity }> {
    return [...this.#state].filter(([, s]) => s.open !== null).map(([ruleId, s]) => ({ ruleId, severity: s.open! }));
  }
}

/** The host rules of the admin dashboard (CPU over 80 % for 30 s, …). */
export const HOST_ALERT_RULES: readonly AlertRule[] = [
  { id: 'cpu_high', metric: 'cpu', warning: 80, critical: 95, forSeconds: 30, message: 'CPU al {value} % (umbral {threshold} %)' },
  { id: 'memory_high', metric: 'memory', warning: 85, critical: 95, forSeconds: 60, message: 'Memoria al {value} % (umbral {threshold} %)' },
  { id: 'disk_high', metric: 'disk', warning: 85, critical: 95, forSeconds: 60, hysteresis: 2, message: 'Disco al {value} % (umbral {threshold} %)' },
];
