import type { InstanceType } from '@neo/contracts';
import type { EventClient, OutgoingEvent } from '@neo/publisher-sdk';

interface Instance {
  tenantId: string;
  instanceId: string;
  instanceType: InstanceType;
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

  constructor(private readonly client: EventClient, private readonly now: () => number) {}

  add(tenantId: string, instanceId: string, instanceType: InstanceType): void {
    const p = PROFILE[instanceType];
    this.#instances.set(instanceId, { tenantId, instanceId, instanceType, startedAt: this.now(), cpu: p.cpu, memory: p.memory, disk: p.disk, spikeUntil: 0 });
    const mine = [...this.#instances.values()].filter((i) => i.tenantId === tenantId).sort((a, b) => a.startedAt - b.startedAt);
    while (mine.length > MAX_PER_TENANT) this.#instances.delete(mine.shift()!.instanceId);
  }

  get size(): number {
    return this.#instances.size;
  }

  /** One sample of every instance, in one request. */
  async report(): Promise<void> {
    const now = this.now();
    const events: OutgoingEvent<'metrics_update'>[] = [];
    for (const i of this.#instances.values()) {
      const p = PROFILE[i.instanceType];
      if (i.spikeUntil < now && Math.random() < 0.02) i.spikeUntil = now + 45_000 + Math.random() * 45_000;
      i.cpu = i.spikeUntil > now ? clamp(90 + Math.random() * 9) : walk(i.cpu, p.cpu, 10);
      i.memory = walk(i.memory, p.memory, 4);
      i.disk = clamp(i.disk + Math.random() * 0.05);
      events.push({
        type: 'metrics_update',
        tenantId: i.tenantId,
        data: {
          instanceId: i.instanceId,
          cpu: Math.round(i.cpu * 10) / 10,
          memory: Math.round(i.memory * 10) / 10,
          disk: Math.round(i.disk * 10) / 10,
          networkIn: Math.round(20_000 + Math.random() * 200_000 * (i.cpu / 50)),
          networkOut: Math.round(50_000 + Math.random() * 400_000 * (i.cpu / 50)),
          uptime: Math.round((now - i.startedAt) / 1000),
        },
      });
    }
    if (events.length > 0) await this.client.publishBatch(events);
  }
}
