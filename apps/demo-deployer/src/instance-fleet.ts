import type { DeploymentSize, InstanceType } from '@neo/contracts';
import type { InstanceSample, MetricsPublisher } from '@neo/publisher-sdk';

interface Instance {
  tenantId: string;
  instanceId: string;
  instanceType: InstanceType;
  /** A larger instance carries the same load at lower percentages. */
  load: number;
  startedAt: number;
  cpu: number;
  memory: number;
  disk: number;
  /** Demo-time ms until which the instance is under a load spike (what opens a CPU alert). */
  spikeUntil: number;
}

/** Typical load per product, so the figures look like the real thing: Wazuh indexes, NetBox mostly idles. */
const PROFILE: Record<InstanceType, { cpu: number; memory: number; disk: number }> = {
  odoo: { cpu: 25, memory: 55, disk: 35 },
  netbox: { cpu: 12, memory: 40, disk: 20 },
  wazuh: { cpu: 45, memory: 70, disk: 50 },
};

/** Share of the product's typical load per size: a large instance has room to spare. */
const LOAD_BY_SIZE: Record<DeploymentSize, number> = { small: 1.3, medium: 1, large: 0.6 };

/** Most instances kept per tenant; the oldest is retired first. */
const MAX_PER_TENANT = 6;

const clamp = (v: number) => Math.min(100, Math.max(0, v));
const walk = (v: number, target: number, spread: number) => clamp(v + (target - v) * 0.3 + (Math.random() - 0.5) * spread);

/**
 * The instances the demo deployer brought up, reporting simulated but plausible figures to
 * `metrics:{tenantId}` through the SDK, with now and then a load spike long enough to open an alert.
 */
export class InstanceFleet {
  readonly #instances = new Map<string, Instance>();

  constructor(private readonly metrics: MetricsPublisher, private readonly now: () => number) {}

  add(tenantId: string, instanceId: string, instanceType: InstanceType, size: DeploymentSize = 'medium'): void {
    const p = PROFILE[instanceType];
    const load = LOAD_BY_SIZE[size];
    this.#instances.set(instanceId, { tenantId, instanceId, instanceType, load, startedAt: this.now(), cpu: p.cpu * load, memory: p.memory * load, disk: p.disk, spikeUntil: 0 });
    const mine = [...this.#instances.values()].filter((i) => i.tenantId === tenantId).sort((a, b) => a.startedAt - b.startedAt);
    while (mine.length > MAX_PER_TENANT) this.#instances.delete(mine.shift()!.instanceId);
  }

  get size(): number {
    return this.#instances.size;
  }

  /** One sample of every instance, in one request. */
  async report(): Promise<void> {
    const now = this.now();
    const samples: InstanceSample[] = [];
    for (const i of this.#instances.values()) {
      const p = PROFILE[i.instanceType];
      if (i.spikeUntil < now && Math.random() < 0.02) i.spikeUntil = now + 45_000 + Math.random() * 45_000;
      i.cpu = i.spikeUntil > now ? clamp(90 + Math.random() * 9) : walk(i.cpu, p.cpu * i.load, 10);
      i.memory = walk(i.memory, p.memory * i.load, 4);
      i.disk = clamp(i.disk + Math.random() * 0.05);
      samples.push({
        tenantId: i.tenantId,
        instanceId: i.instanceId,
        cpu: Math.round(i.cpu * 10) / 10,
        memory: Math.round(i.memory * 10) / 10,
        disk: Math.round(i.disk * 10) / 10,
        networkIn: Math.round(20_000 + Math.random() * 200_000 * (i.cpu / 50)),
        networkOut: Math.round(50_000 + Math.random() * 400_000 * (i.cpu / 50)),
        uptime: Math.round((now - i.startedAt) / 1000),
      });
    }
    if (samples.length > 0) await this.metrics.publishTenantMetricsBatch(samples);
  }
}
