import { applyDeploymentEvent, type DeploymentEnvelope, type DeploymentState } from '@neo/contracts';
import { AppError } from '../errors';

// The state machine itself lives in @neo/contracts (pure, no I/O) because the portal applies the same
// transitions to live events; the service's part is turning a refusal into its problem document.
export { applyDeploymentEvent, estimateCompletion, medianMs, DEPLOYMENT_LOG_TAIL, isFinished } from '@neo/contracts';
export type { DeploymentState } from '@neo/contracts';

/** How many finished deployments of one instance type feed the ETA (recent behaviour wins). */
export const ETA_SAMPLE_SIZE = 20;

/** Applies `event` or throws the AppError (409/404/400) that refuses the whole ingest request. */
export function transition(state: DeploymentState | null, event: DeploymentEnvelope): DeploymentState {
  const result = applyDeploymentEvent(state, event);
  if (!result.ok) throw new AppError(result.code, result.message, { errors: [{ path: 'data.deploymentId', message: result.message }] });
  return result.state;
}
