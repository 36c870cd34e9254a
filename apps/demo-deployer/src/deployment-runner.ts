import type { DeploymentSize, InstanceType } from '@neo/contracts';
import type { DeploymentPublisher } from '@neo/publisher-sdk';
import { BASE_DURATION_MS, FAILURES, PLANS } from './scenarios';

export interface RunnerDeps {
  deployments: DeploymentPublisher;
  /** Waits `ms` of demo time (divided by DEMO_SPEED); rejects when the deployer stops. */
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
  /** Chance (0–1) that a deployment fails at a random step. */
  failureRate: number;
  random?: () => number;
}

export interface DeploymentOrder {
  tenantId: string;
  deploymentId: string;
  instanceType: InstanceType;
  instanceName?: string | null;
  /** The size the request asked for; null or absent: the deployer's default. */
  size?: DeploymentSize | null;
  /** Who asked, for requests that came from a user. */
  requestedBy?: string | null;
}

const TICKS_PER_STEP = 3;

/** Drives one deployment through its plan, publishing every change through the SDK, as a real deployer would. */
export async function runDeployment(order: DeploymentOrder, deps: RunnerDeps): Promise<'completed' | 'failed'> {
  const random = deps.random ?? Math.random;
  const { tenantId, deploymentId, instanceType } = order;
  const plan = PLANS[instanceType];
  const [min, max] = BASE_DURATION_MS[instanceType];
  const total = min + random() * (max - min);
  const host = `${instanceType}-${tenantId}-${deploymentId.slice(-6).toLowerCase()}.neo-stack.test`;
  const line = (text: string) => `[${new Date().toISOString()}] ${text.replaceAll('{host}', host)}`;
  const failAt = random() < deps.failureRate ? Math.floor(random() * plan.length) : -1;

  await deps.deployments.publishStart(tenantId, deploymentId, instanceType, {
    steps: plan.map((s) => s.name),
    currentStep: plan[0]!.name,
    ...(order.instanceName ? { instanceName: order.instanceName } : {}),
    ...(order.size ? { size: order.size } : {}),
    ...(order.requestedBy ? { requestedBy: order.requestedBy } : {}),
    logs: [line(`Deploying ${instanceType} (${order.size ?? 'medium'}) for ${tenantId} (${deploymentId})`)],
  });
  deps.log(`deployment ${deploymentId}: started ${instanceType} for ${tenantId}`);
  let done = 0;
  for (const [index, step] of plan.entries()) {
    for (let tick = 0; tick < TICKS_PER_STEP; tick++) {
      await deps.sleep((total * step.weight) / TICKS_PER_STEP);
      if (index === failAt && tick === 1) {
        const failure = FAILURES[Math.floor(random() * FAILURES.length)]!;
        await deps.deployments.publishError(tenantId, deploymentId, failure.error, { code: failure.code, params: { step: step.name }, currentStep: step.name, logs: [line(`ERROR: ${failure.error}`)] });
        deps.log(`deployment ${deploymentId}: failed at "${step.name}": ${failure.code}`);
        return 'failed';
      }
      const progress = Math.min(99, Math.round((done + (step.weight * (tick + 1)) / TICKS_PER_STEP) * 100));
      const logs = step.logs.filter((_, i) => i % TICKS_PER_STEP === tick).map(line);
      await deps.deployments.publishProgress(tenantId, deploymentId, progress, step.name, logs.length ? logs : undefined);
    }
    done += step.weight;
  }
  await deps.deployments.publishCompletion(tenantId, deploymentId, `https://${host}`, [line(`Instance available at https://${host}`)]);
  deps.log(`deployment ${deploymentId}: completed`);
  return 'completed';
}
