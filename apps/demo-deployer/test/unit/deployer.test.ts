import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { channelOf, DEPLOYMENT_ERROR_CODES, ingestEventSchema, isEventType } from '@neo/contracts';
import { DeploymentPublisher, EventClient, MetricsPublisher } from '@neo/publisher-sdk';
import { runDeployment } from '../../src/deployment-runner';
import { InstanceFleet } from '../../src/instance-fleet';
import { FAILURES } from '../../src/scenarios';

type Sent = { type: string; tenantId?: string; data: Record<string, unknown> };

/** A real HTTP server standing in for the ingest route: keeps every event, answers 202 as the service does. */
async function ingest(): Promise<{ url: string; events: Sent[]; requests: number }> {
  const state = { url: '', events: [] as Sent[], requests: 0 };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as Sent & { events?: Sent[] };
      const events = body.events ?? [body];
      state.requests++;
      for (const e of events) {
        // Every event the deployer sends must pass the service's own schema.
        expect(ingestEventSchema.safeParse(e).error?.issues ?? []).toEqual([]);
        state.events.push(e);
      }
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: events.map((e) => ({ id: (e as { id?: string }).id, channel: isEventType(e.type) ? channelOf(e.type, e.tenantId) : null })) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

describe('demo deployer', () => {
  it('reports the configuration its request asked for in deployment_start', async () => {
    const srv = await ingest();
    const deployments = new DeploymentPublisher(new EventClient({ baseUrl: srv.url, apiKey: 'k' }));
    const outcome = await runDeployment(
      { tenantId: 'acme', deploymentId: 'dep-cfg', instanceType: 'wazuh', instanceName: 'SIEM central', size: 'large', requestedBy: 'u-ana' },
      { deployments, sleep: async () => {}, log: () => {}, failureRate: 0 },
    );
    expect(outcome).toBe('completed');
    expect(srv.events[0]).toMatchObject({ type: 'deployment_start', tenantId: 'acme', data: { deploymentId: 'dep-cfg', instanceType: 'wazuh', instanceName: 'SIEM central', size: 'large', requestedBy: 'u-ana' } });
    expect(srv.events.at(-1)?.type).toBe('deployment_complete');
  });

  it('fails with a code and the step as parameter, the English text only as fallback', async () => {
    const srv = await ingest();
    const deployments = new DeploymentPublisher(new EventClient({ baseUrl: srv.url, apiKey: 'k' }));
    const outcome = await runDeployment({ tenantId: 'acme', deploymentId: 'dep-fail', instanceType: 'odoo' }, { deployments, sleep: async () => {}, log: () => {}, failureRate: 1, random: () => 0 });
    expect(outcome).toBe('failed');
    const error = srv.events.find((e) => e.type === 'deployment_error')!;
    expect(error.data).toMatchObject({ code: FAILURES[0]!.code, error: FAILURES[0]!.error, params: { step: expect.any(String) } });
    expect(error.data.params).toEqual({ step: error.data.currentStep });
    for (const f of FAILURES) expect(DEPLOYMENT_ERROR_CODES).toContain(f.code);
  });

  it('reports every instance’s figures through MetricsPublisher in one request, sized by the request', async () => {
    const srv = await ingest();
    const fleet = new InstanceFleet(new MetricsPublisher(new EventClient({ baseUrl: srv.url, apiKey: 'k' })), () => 1_000_000);
    fleet.add('acme', 'dep-a', 'wazuh', 'large');
    fleet.add('globex', 'dep-b', 'wazuh', 'small');
    await fleet.report();
    expect(srv.requests).toBe(1);
    expect(srv.events.map((e) => [e.type, e.tenantId, e.data.instanceId])).toEqual([['metrics_update', 'acme', 'dep-a'], ['metrics_update', 'globex', 'dep-b']]);
    // The same product on a large instance carries its load at lower percentages than on a small one.
    expect(srv.events[0]!.data.memory as number).toBeLessThan(srv.events[1]!.data.memory as number);
  });
});
