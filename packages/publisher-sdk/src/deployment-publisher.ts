import type { AcceptedEvent, DeploymentSize, InstanceType, MessageParams } from '@neo/contracts';
import type { EventClient } from './client';

/** Publishes a deployment's life: start, progress, completion, error. The instance type is never assumed. */
export class DeploymentPublisher {
  constructor(private readonly client: EventClient) {}

  /**
   * The deployment started. Pass what its request said (`instanceName`, `size`, `requestedBy`, from
   * `POST /v1/deployer/claim`) so that the tenant sees the configuration and history finds it by user.
   */
  publishStart(
    tenantId: string,
    deploymentId: string,
    instanceType: InstanceType,
    options: { steps?: string[]; instanceName?: string; size?: DeploymentSize; requestedBy?: string; currentStep?: string; logs?: string[] } = {},
  ): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'deployment_start', tenantId, data: { deploymentId, instanceType, ...options } });
  }

  /** `progress` is 0–100 and never goes back; the service refuses it otherwise (400/409). */
  publishProgress(tenantId: string, deploymentId: string, progress: number, currentStep: string, logs?: string | string[]): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'deployment_progress', tenantId, data: { deploymentId, progress, currentStep, ...(logs ? { logs: Array.isArray(logs) ? logs : [logs] } : {}) } });
  }

  publishCompletion(tenantId: string, deploymentId: string, instanceUrl?: string, logs?: string[]): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'deployment_complete', tenantId, data: { deploymentId, ...(instanceUrl ? { instanceUrl } : {}), ...(logs ? { logs } : {}) } });
  }

  /**
   * A failure keeps the progress reached; only the error and the step are sent. `error` is the English
   * fallback text; `code` and `params` let the portal word it in the reader's language (see
   * DEPLOYMENT_ERROR_CODES).
   */
  publishError(tenantId: string, deploymentId: string, error: string, options: { code?: string; params?: MessageParams; currentStep?: string; logs?: string[] } = {}): Promise<AcceptedEvent> {
    return this.client.publish({ type: 'deployment_error', tenantId, data: { deploymentId, error, ...options } });
  }
}
