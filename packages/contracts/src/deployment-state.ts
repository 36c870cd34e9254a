import type { DeploymentSize, DeploymentStatus, EventEnvelope, InstanceType } from './events';
import type { ErrorCode } from './errors';

/**
 * The deployment state machine, pure and shared: the event service applies it inside the ingest
 * transaction (refusing what it rejects), and the portal applies the very same transitions to live
 * events on top of the state it loaded over HTTP, so both always agree on what an event means.
 *
 *   starting ──progress──▶ in_progress ──complete──▶ completed
 *      │                        │
 *      └──────────error─────────┴────────────────────▶ failed
 */

/** Lines of log kept in the read model (history keeps every line). */
export const DEPLOYMENT_LOG_TAIL = 200;

export type DeploymentEventType = 'deployment_start' | 'deployment_progress' | 'deployment_complete' | 'deployment_error';
export type DeploymentEnvelope = { [T in DeploymentEventType]: EventEnvelope<T> }[DeploymentEventType];

export interface DeploymentState {
  id: string;
  tenantId: string;
  instanceType: InstanceType;
  instanceName: string | null;
  /** The size requested, when the deployer reported it (absent from states built before it existed). */
  size?: DeploymentSize | null;
  status: DeploymentStatus;
  /** 0–100, never goes back; a failure keeps the value reached. */
  progress: number;
  currentStep: string | null;
  /** Named steps announced at the start, in order (may be empty). */
  steps: string[];
  /** The last `DEPLOYMENT_LOG_TAIL` lines. */
  logs: string[];
  /** Every log line ever appended, so a viewer knows how much the tail leaves out. */
  logCount: number;
  /** English fallback text of a failure; people read `errorCode` worded with `errorParams`. */
  error: string | null;
  /** The failure as a stable code (DEPLOYMENT_ERROR_CODES), when the deployer sent one. */
  errorCode?: string | null;
  errorParams?: Record<string, string | number> | null;
  instanceUrl: string | null;
  /** ISO 8601 (the start event's timestamp). */
  startedAt: string;
  finishedAt: string | null;
  updatedAt: string;
  /** Number of events applied. */
  version: number;
}

export type TransitionResult =
  | { ok: true; state: DeploymentState }
  | { ok: false; code: Extract<ErrorCode, 'ERR_CONFLICT' | 'ERR_NOT_FOUND' | 'ERR_VALIDATION'>; message: string };

export function isFinished(status: DeploymentStatus): boolean {
  return status === 'completed' || status === 'failed';
}

function appendLogs(state: DeploymentState, lines: readonly string[] | undefined): Pick<DeploymentState, 'logs' | 'logCount'> {
  if (!lines?.length) return { logs: state.logs, logCount: state.logCount };
  return { logs: [...state.logs, ...lines].slice(-DEPLOYMENT_LOG_TAIL), logCount: state.logCount + lines.length };
}

/**
 * Applies one deployment event to the current state of its deployment (`null`: never seen). Refusals:
 * a second start or anything after the end is a conflict (409); progress or an end for a deployment
 * never started is unknown (404); progress going backwards is invalid (400).
 */
export function applyDeploymentEvent(state: DeploymentState | null, event: DeploymentEnvelope): TransitionResult {
  const id = event.data.deploymentId;
  if (event.type === 'deployment_start') {
    if (state) return { ok: false, code: 'ERR_CONFLICT', message: `deployment ${id} was already started` };
    const steps = event.data.steps ?? [];
    const logs = event.data.logs ?? [];
    return {
      ok: true,
      state: {
        id,
        tenantId: event.tenantId ?? '',
        instanceType: event.data.instanceType,
        instanceName: event.data.instanceName ?? null,
        size: event.data.size ?? null,
        status: 'starting',
        progress: 0,
        currentStep: event.data.currentStep ?? steps[0] ?? null,
        steps,
        logs: logs.slice(-DEPLOYMENT_LOG_TAIL),
        logCount: logs.length,
        error: null,
        errorCode: null,
        errorParams: null,
        instanceUrl: null,
        startedAt: event.timestamp,
        finishedAt: null,
        updatedAt: event.timestamp,
        version: 1,
      },
    };
  }
  if (!state) return { ok: false, code: 'ERR_NOT_FOUND', message: `deployment ${id} was never started` };
  if (isFinished(state.status)) return { ok: false, code: 'ERR_CONFLICT', message: `deployment ${id} already ${state.status}; it takes no further events` };
  const base = { updatedAt: event.timestamp, version: state.version + 1 };
  switch (event.type) {
    case 'deployment_progress':
      if (event.data.progress < state.progress) {
        return { ok: false, code: 'ERR_VALIDATION', message: `progress of ${id} cannot go back from ${state.progress} to ${event.data.progress}` };
      }
      return { ok: true, state: { ...state, ...base, status: 'in_progress', progress: event.data.progress, currentStep: event.data.currentStep, ...appendLogs(state, event.data.logs) } };
    case 'deployment_complete':
      return {
        ok: true,
        state: { ...state, ...base, status: 'completed', progress: 100, instanceUrl: event.data.instanceUrl ?? null, finishedAt: event.timestamp, ...appendLogs(state, event.data.logs) },
      };
    case 'deployment_error':
      return {
        ok: true,
        state: {
          ...state,
          ...base,
          status: 'failed',
          error: event.data.error,
          errorCode: event.data.code ?? null,
          errorParams: event.data.params ?? null,
          currentStep: event.data.currentStep ?? state.currentStep,
          finishedAt: event.timestamp,
          ...appendLogs(state, event.data.logs),
        },
      };
  }
}

/** Median of durations (ms); null for none. */
export function medianMs(durations: readonly number[]): number | null {
  if (durations.length === 0) return null;
  const sorted = [...durations].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Estimated completion (ISO 8601) of a running deployment from the median duration of finished ones of
 * the same instance type. Past the median, it extrapolates from the progress so the estimate never lies
 * in the past; null when finished or when there is no history yet.
 */
export function estimateCompletion(state: Pick<DeploymentState, 'status' | 'progress' | 'startedAt'>, typicalMs: number | null, now: number): string | null {
  if (typicalMs === null || isFinished(state.status)) return null;
  const started = Date.parse(state.startedAt);
  if (Number.isNaN(started)) return null;
  const elapsed = Math.max(0, now - started);
  let remaining = typicalMs - elapsed;
  if (remaining <= 0) remaining = state.progress > 0 ? (elapsed * (100 - state.progress)) / state.progress : 1_000;
  return new Date(now + Math.max(1_000, remaining)).toISOString();
}
