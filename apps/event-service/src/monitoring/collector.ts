import type { EventSink } from '../pipeline/sink';
import { validateInternal, type InternalEvent } from '../pipeline/validate';
import { AlertEvaluator, HOST_ALERT_RULES, type AlertRule } from './alert-rules';
import { HostMetricsReader } from './host-metrics';

export interface CollectorOptions {
  /** Sampling interval, ms. Default 5000. */
  intervalMs?: number;
  /** File system whose usage is reported as disk %. Default `/`. */
  diskPath?: string;
  rules?: readonly AlertRule[];
  /** Number of running instances to report (from the deployments read model), if known. */
  activeInstances?: () => Promise<number | undefined>;
  onError?: (err: unknown) => void;
}

/**
 * Publishes the host's real metrics to `admin:metrics` every interval, through the same durable ingest
 * path as any producer, and turns threshold crossings into `alert` events on `admin:alerts` that open
 * once, update while open and resolve (see AlertEvaluator).
 */
export class MonitoringCollector {
  readonly #sink: EventSink;
  readonly #reader: HostMetricsReader;
  readonly #evaluator: AlertEvaluator;
  readonly #o: CollectorOptions;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;

  constructor(sink: EventSink, options: CollectorOptions = {}) {
    this.#sink = sink;
    this.#o = options;
    this.#reader = new HostMetricsReader(options.diskPath ?? '/');
    this.#evaluator = new AlertEvaluator(options.rules ?? HOST_ALERT_RULES);
  }

  start(): void {
    if (this.#timer) return;
    void this.#reader.read(); // primes the CPU and network deltas
    this.#timer = setInterval(() => void this.tick(), this.#o.intervalMs ?? 5000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One sample: read, publish, evaluate. Skipped when the previous one is still running. */
  async tick(now = Date.now()): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const sample = await this.#reader.read();
      const active = await this.#o.activeInstances?.().catch(() => undefined);
      const events: InternalEvent[] = [{ type: 'metrics_update', data: { ...sample, ...(active !== undefined ? { activeInstances: active } : {}) } }];
      const figures = { cpu: sample.cpu, memory: sample.memory, disk: sample.disk };
      // A resolution clears the state; remember when each open alert opened to name it in the event.
      const openedBefore = new Map(this.#evaluator.openAlerts().map((a) => [a.ruleId, this.#evaluator.openedAt(a.ruleId)]));
      for (const t of this.#evaluator.evaluate(figures, now)) {
        const alertId = `${t.ruleId}-${this.#evaluator.openedAt(t.ruleId) ?? openedBefore.get(t.ruleId) ?? now}`;
        events.push({ type: 'alert', data: { alertId, rule: t.ruleId, severity: t.severity, state: t.kind, message: t.message, code: t.code, params: t.params, value: t.value, threshold: t.threshold } });
      }
      await this.#sink.accept(validateInternal(events));
    } catch (err) {
      this.#o.onError?.(err);
    } finally {
      this.#busy = false;
    }
  }
}
