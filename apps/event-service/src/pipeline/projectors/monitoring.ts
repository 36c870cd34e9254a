import { INSTANCE_DEFAULT_INTERVAL_MS, learnInterval, type EventEnvelope } from '@neo/contracts';
import type { Projector, ProjectorContext, Tx } from '../projector';
import { validateInternal, type InternalEvent, type ValidatedEvent } from '../validate';
import { applyAlertChange, instanceStateWrite, lockInstanceState, markAnnounced, PLATFORM_SCOPE, type InstanceTrack } from '../../store/monitoring-store';
import { executeDeferred } from '../../store/sql';
import { AppError } from '../../errors';
import { CLOSED, stepRule, type AlertRule, type RuleState } from '../../monitoring/alert-rules';

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
        code: e.data.code ?? null,
        params: e.data.params ?? null,
        value: e.data.value ?? null,
        threshold: e.data.threshold ?? null,
        instanceId: e.data.instanceId ?? null,
        at: e.timestamp,
      });
    }
  },
};

/** What an instance_status says of an interval not learned yet (one sample): the contract's default. */
const INSTANCE_UNKNOWN_INTERVAL = INSTANCE_DEFAULT_INTERVAL_MS;

/**
 * instance_status events the instance watcher publishes: each records the status as announced, only if
 * the instance's latest sample is still the one it is about. A sample that arrived in between makes the
 * announcement untrue: it is refused (409), nothing is stored or published, and the watcher looks again
 * at its next round.
 */
export const instanceStatusProjector: Projector = {
  name: 'instance-status',
  types: new Set(['instance_status']),
  async apply(tx: Tx, events: ValidatedEvent[]): Promise<void> {
    for (const { envelope } of events) {
      const e = envelope as EventEnvelope<'instance_status'>;
      if (!(await markAnnounced(tx, e.tenantId!, e.data.instanceId, e.data.status, e.data.lastReportAt))) {
        throw new AppError('ERR_CONFLICT', `instance ${e.data.instanceId} reported after ${e.data.lastReportAt}, or is unknown`);
      }
    }
  },
};

/** Most instances whose state the metrics projector remembers; past it the longest unseen is forgotten (read again when it reports). */
const REMEMBERED_INSTANCES = 50_000;

/**
 * Tenant instance metrics: keeps the latest sample per instance, and evaluates the tenant alert rules
 * with their state in the database (so several service instances agree). A crossing becomes an `alert`
 * event (and an instance back after silence an `instance_status`), returned to be stored with the
 * transaction's other events, so it is stored and published like any other.
 *
 * An instance's state (its track and rule states) is remembered as this projector's last committed
 * transaction left it, so that the next sample's transaction does not read it again under lock: that
 * read was a round trip, and a lock wait, in every ingest transaction that carried metrics (BENCHMARKS.md,
 * 2026-12-03). The write checks that the state is still at the version remembered (instanceStateWrite):
 * when another transaction wrote it since — another service instance's, or an announcement's — the
 * transaction fails and the sink tries it again the careful way, which reads under lock. An entry is
 * taken out while its transaction runs and put back only after its commit, so a failed transaction
 * leaves nothing remembered that the database does not hold. Samples of one instance share a channel,
 * which the sink never writes in two transactions at once, so one entry is never used twice at a time.
 */
export function instanceMetricsProjector(rules: readonly AlertRule[]): Projector {
  const remembered = new Map<string, { track: InstanceTrack; rules: Map<string, RuleState> }>();
  return {
    name: 'instance-metrics',
    types: new Set(['metrics_update']),
    // At most one statement that reads and locks (for instances not remembered), and one write, whatever
    // the batch's size, plus one per alert that opens or changes: this runs inside every ingest transaction
    // that carries metrics. The write goes with the append when the sink offers it: nothing else of this
    // projector reads it.
    async apply(tx: Tx, events: ValidatedEvent[], context?: ProjectorContext): Promise<ValidatedEvent[]> {
      const samples = events
        .map(({ envelope }) => envelope as EventEnvelope<'metrics_update'>)
        .filter((e): e is EventEnvelope<'metrics_update'> & { tenantId: string } => Boolean(e.tenantId && e.data.instanceId));
      if (samples.length === 0) return [];
      const subjectOf = (e: { tenantId: string; data: { instanceId?: string } }) => `${e.tenantId}/${e.data.instanceId}`;

      const latest = new Map<string, EventEnvelope<'metrics_update'> & { tenantId: string }>();
      for (const e of samples) {
        const seen = latest.get(subjectOf(e));
        if (!seen || seen.timestamp <= e.timestamp) latest.set(subjectOf(e), e);
      }
      // What is remembered of these instances, taken out (see above). When one is not remembered, all are
      // read under lock: the read takes its rows in key order, and the rows of the others, locked later by
      // the write, could come before them in that order (two transactions waiting on each other).
      const known = [...latest.keys()].map((subject) => remembered.get(subject));
      for (const subject of latest.keys()) remembered.delete(subject);
      let tracks = new Map<string, InstanceTrack>();
      let states = new Map<string, Map<string, RuleState>>();
      if (context && !context.careful && known.every(Boolean)) {
        [...latest.keys()].forEach((subject, i) => {
          tracks.set(subject, known[i]!.track);
          states.set(subject, known[i]!.rules);
        });
      } else {
        ({ tracks, rules: states } = await lockInstanceState(tx, [...latest.values()].map((e) => ({ tenantId: e.tenantId, instanceId: e.data.instanceId! }))));
      }
      // The reporting interval, learned from the gap since the previous sample; an instance that had been
      // announced stale or offline is back: announced in this transaction, before its sample's figures.
      const statuses: InternalEvent[] = [];
      const upserts = [...latest.entries()].map(([subject, e]) => {
        const track = tracks.get(subject);
        const intervalMs = track ? learnInterval(track.intervalMs, Date.parse(e.timestamp) - Date.parse(track.updatedAt)) : null;
        if (track && track.announced !== 'online' && e.timestamp >= track.updatedAt) {
          statuses.push({ type: 'instance_status', tenantId: e.tenantId, timestamp: e.timestamp, data: { instanceId: e.data.instanceId!, status: 'online', lastReportAt: e.timestamp, intervalMs: intervalMs ?? INSTANCE_UNKNOWN_INTERVAL } });
        }
        return {
          subject,
          tenantId: e.tenantId,
          intervalMs,
          expectedVersion: track?.version ?? null,
          m: { instanceId: e.data.instanceId!, cpu: e.data.cpu, memory: e.data.memory, disk: e.data.disk, networkIn: e.data.networkIn, networkOut: e.data.networkOut, uptime: e.data.uptime, updatedAt: e.timestamp },
        };
      });
      const derived = statuses.length > 0 ? validateInternal(statuses) : [];

      const changed = new Map<string, { subject: string; rule: string; state: RuleState }>();
      const alerts: InternalEvent[] = [];
      for (const e of samples) {
        const subject = subjectOf(e);
        const current = states.get(subject)!;
        const now = Date.parse(e.timestamp);
        for (const rule of rules) {
          const before = current.get(rule.id) ?? CLOSED;
          const { state, transition } = stepRule(rule, before, e.data[rule.metric as 'cpu' | 'memory' | 'disk'], now);
          if (state.overSince !== before.overSince || state.open !== before.open || state.openedAt !== before.openedAt) {
            current.set(rule.id, state);
            changed.set(`${subject}\u0000${rule.id}`, { subject, rule: rule.id, state });
          }
          if (!transition) continue;
          const openedAt = state.openedAt ?? before.openedAt ?? now;
          const instanceId = e.data.instanceId!;
          alerts.push({
            type: 'alert',
            tenantId: e.tenantId,
            timestamp: e.timestamp,
            data: { alertId: `${rule.id}-${openedAt}-${instanceId}`.slice(0, 100), instanceId, rule: rule.id, severity: transition.severity, state: transition.kind, message: transition.message, code: transition.code, params: transition.params, value: transition.value, threshold: transition.threshold },
          });
        }
      }
      const write = instanceStateWrite(upserts, [...changed.values()]);
      if (write) {
        // With an alert to store, the write goes first, on its own: it locks the instance rows (when they
        // were not read under lock) before the alert's row, the order of every other transaction.
        if (context && alerts.length === 0) context.later(write);
        else await executeDeferred(tx, [write]);
      }
      // Remembered as the write leaves them (its SQL: an older sample moves only the version). Not an
      // instance whose row did not exist: a concurrent first sample may have written it too.
      context?.afterCommit(() => {
        for (const u of upserts) {
          const track = tracks.get(u.subject);
          if (!track) continue;
          const newer = track.updatedAt <= u.m.updatedAt;
          const next = newer ? { updatedAt: u.m.updatedAt, intervalMs: u.intervalMs, announced: 'online' as const, version: track.version + 1 } : { ...track, version: track.version + 1 };
          if (remembered.size >= REMEMBERED_INSTANCES) remembered.delete(remembered.keys().next().value!);
          remembered.set(u.subject, { track: next, rules: states.get(u.subject)! });
        }
      });
      if (alerts.length === 0) return derived;
      const validated = validateInternal(alerts);
      await alertProjector.apply(tx, validated);
      return [...derived, ...validated];
    },
  };
}
