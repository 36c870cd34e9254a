import type { DeploymentEnvelope, DeploymentState } from '@neo/contracts';
import type { Projector, Tx } from '../projector';
import type { ValidatedEvent } from '../validate';
import { AppError } from '../../errors';
import { transition } from '../../domain/deployments';
import { insertDeployment, lockDeployment, updateDeployment } from '../../store/deployment-store';

/** Keeps `deployments` (current state, steps, log tail) in step with the deployment events. */
export const deploymentProjector: Projector = {
  name: 'deployments',
  types: new Set(['deployment_start', 'deployment_progress', 'deployment_complete', 'deployment_error']),
  async apply(tx: Tx, events: ValidatedEvent[]): Promise<void> {
    // A batch may carry several events of one deployment: apply them in order on the same state.
    const current = new Map<string, { state: DeploymentState | null; inserted: boolean; dirty: boolean }>();
    for (const { envelope } of events) {
      const event = envelope as DeploymentEnvelope;
      const tenantId = event.tenantId!;
      const key = `${tenantId}\u0000${event.data.deploymentId}`;
      let entry = current.get(key);
      if (!entry) {
        entry = { state: await lockDeployment(tx, tenantId, event.data.deploymentId), inserted: false, dirty: false };
        current.set(key, entry);
      }
      const next = transition(entry.state, event);
      if (entry.state === null) {
        // A concurrent request started the same id first: same answer as a second start.
        if (!(await insertDeployment(tx, next))) throw new AppError('ERR_CONFLICT', `deployment ${next.id} was already started`);
        entry.inserted = true;
      } else entry.dirty = true;
      entry.state = next;
    }
    for (const entry of current.values()) if (entry.dirty && entry.state) await updateDeployment(tx, entry.state);
  },
};
