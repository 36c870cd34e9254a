// The demo stack deployer: a stand-in for the platform's real one. It talks to the system only as a
// real internal service would: events through @neo/publisher-sdk, deployment requests through the
// service's HTTP API (`POST /v1/deployer/claim`, ingest key).
import { INSTANCE_TYPES, uuidv7 } from '@neo/contracts';
import { BillingPublisher, DeploymentPublisher, EventClient, MetricsPublisher } from '@neo/publisher-sdk';
import { runDeployment, type DeploymentOrder } from './deployment-runner';
import { BillingSimulator } from './billing-simulator';
import { InstanceFleet } from './instance-fleet';
import { DEPLOYER_STOPPED } from './scenarios';

interface DeployerConfig {
  serviceUrl: string;
  apiKey: string;
  /** Time multiplier: 10 runs ten times faster. Default 1. */
  speed: number;
  /** Chance that a deployment fails. Default 0.1. */
  failureRate: number;
  /** Deploy now and then by itself, so a fresh system shows live deployments. Default on. */
  autoDeploy: boolean;
  /** Publish billing events every ~20–40 s per tenant. Default on. */
  billing: boolean;
  tenants: string[];
}

function readConfig(env: NodeJS.ProcessEnv): DeployerConfig {
  const apiKey = env.INGEST_API_KEY;
  if (!apiKey) throw new Error('INGEST_API_KEY is required: a key scoped to the deployer’s event types and tenants (POST /v1/admin/ingest-keys or npm run keys -- create)');
  const number = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number in ${min}–${max}, got "${raw}"`);
    return n;
  };
  const flag = (name: string) => env[name] !== 'off' && env[name] !== '0' && env[name] !== 'false';
  return {
    serviceUrl: (env.EVENT_SERVICE_URL ?? 'http://localhost:4000').replace(/\/+$/, ''),
    apiKey,
    speed: number('DEMO_SPEED', 1, 0.1, 1000),
    failureRate: number('DEMO_FAILURE_RATE', 0.1, 0, 1),
    autoDeploy: flag('DEMO_AUTO_DEPLOY'),
    billing: flag('DEMO_BILLING'),
    tenants: (env.DEMO_TENANTS ?? 'acme,globex').split(',').map((t) => t.trim()).filter(Boolean),
  };
}

// One line per action, timestamped; `npm start` prefixes each child's lines with its name.
const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

class Stopped extends Error {}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const client = new EventClient({ baseUrl: config.serviceUrl, apiKey: config.apiKey });
  const deployments = new DeploymentPublisher(client);
  const billing = new BillingPublisher(client);
  const stop = new AbortController();
  const inFlight = new Map<string, { order: DeploymentOrder; done: Promise<unknown> }>();

  /** Demo-time sleep; wakes early (rejecting) when stopping. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (stop.signal.aborted) return reject(new Stopped());
      const timer = setTimeout(() => {
        stop.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms / config.speed);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Stopped());
      };
      stop.signal.addEventListener('abort', onAbort, { once: true });
    });
  const jitter = (min: number, max: number) => min + Math.random() * (max - min);

  // Demo time: what the instances report as uptime and how long spikes last, at DEMO_SPEED.
  const started = Date.now();
  const fleet = new InstanceFleet(new MetricsPublisher(client), () => started + (Date.now() - started) * config.speed);

  const launch = (order: DeploymentOrder) => {
    const done = runDeployment(order, { deployments, sleep, log, failureRate: config.failureRate })
      .then((outcome) => {
        if (outcome === 'completed') fleet.add(order.tenantId, order.deploymentId, order.instanceType, order.size ?? undefined);
      })
      .catch((err: unknown) => {
        if (!(err instanceof Stopped)) log(`deployment ${order.deploymentId}: could not publish: ${(err as Error).message}`);
      })
      .finally(() => inFlight.delete(order.deploymentId));
    inFlight.set(order.deploymentId, { order, done });
  };

  async function claimLoop(): Promise<void> {
    while (!stop.signal.aborted) {
      try {
        const res = await fetch(`${config.serviceUrl}/v1/deployer/claim`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${config.apiKey}` },
          body: JSON.stringify({ limit: 10 }),
          signal: AbortSignal.timeout(5_000),
        });
        if (!res.ok) throw new Error(`claim answered ${res.status}`);
        const { requests } = (await res.json()) as { requests: DeploymentOrder[] };
        for (const r of requests) {
          log(`request ${r.deploymentId}: ${r.instanceType}${r.size ? ` (${r.size})` : ''} for ${r.tenantId}`);
          launch(r);
        }
      } catch (err) {
        if (stop.signal.aborted) return;
        log(`claim failed (${(err as Error).message}); retrying`);
      }
      // Polling at real (not demo) time: a user who clicks "Desplegar" waits at most this long.
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async function autoDeployLoop(tenantId: string, firstDelayMs: number): Promise<void> {
    await sleep(firstDelayMs);
    for (;;) {
      const instanceType = INSTANCE_TYPES[Math.floor(Math.random() * INSTANCE_TYPES.length)]!;
      launch({ tenantId, deploymentId: `auto-${uuidv7().slice(-12)}`, instanceType });
      await sleep(jitter(60_000, 120_000));
    }
  }

  async function billingLoop(tenantId: string, firstDelayMs: number): Promise<void> {
    const sim = new BillingSimulator(tenantId, tenantId === 'globex' ? 'USD' : 'MXN', billing, log);
    await sleep(firstDelayMs);
    for (;;) {
      await sim.tick().catch((err: unknown) => log(`billing ${tenantId}: could not publish: ${(err as Error).message}`));
      await sleep(jitter(20_000, 40_000));
    }
  }

  async function metricsLoop(): Promise<void> {
    for (;;) {
      await fleet.report().catch((err: unknown) => log(`metrics: could not publish: ${(err as Error).message}`));
      await sleep(5_000);
    }
  }

  const loops: Array<Promise<void>> = [claimLoop(), metricsLoop().catch(() => undefined)];
  config.tenants.forEach((tenantId, i) => {
    if (config.autoDeploy) loops.push(autoDeployLoop(tenantId, 2_000 + i * 5_000));
    if (config.billing) loops.push(billingLoop(tenantId, 3_000 + i * 4_000));
  });
  log(`started: ${config.serviceUrl}, speed ×${config.speed}, tenants ${config.tenants.join(', ')}, auto-deploy ${config.autoDeploy ? 'on' : 'off'}, billing ${config.billing ? 'on' : 'off'}`);

  const shutdown = async (signal: string) => {
    if (stop.signal.aborted) return;
    log(`${signal}: stopping`);
    stop.abort();
    // A deployment cut short must not stay "in progress" forever in the portal: say so, briefly.
    await Promise.race([
      Promise.allSettled(
        [...inFlight.values()].map(({ order }) =>
          deployments.publishError(order.tenantId, order.deploymentId, DEPLOYER_STOPPED.error, { code: DEPLOYER_STOPPED.code }).catch(() => undefined),
        ),
      ),
      new Promise((r) => setTimeout(r, 3_000)),
    ]);
    await Promise.allSettled(loops);
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await Promise.allSettled(loops);
}

main().catch((err: unknown) => {
  console.error(`demo-deployer: ${(err as Error).message}`);
  process.exit(1);
});
