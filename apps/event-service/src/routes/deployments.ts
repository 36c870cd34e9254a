import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  deployerClaimBodySchema,
  deploymentListQuerySchema,
  deploymentParamsSchema as deploymentParams,
  deploymentRequestBodySchema,
  deploymentTenantParamsSchema as tenantParams,
  estimateCompletion,
  medianMs,
  uuidv7,
  type DeploymentState,
  type StreamPosition,
} from '@neo/contracts';
import { AppError } from '../errors';
import { tenantsOf } from '../auth/ingest-keys';
import { actorOf } from '../plugins/auth';
import type { Database } from '../store/database';
import type { CentrifugoClient } from '../centrifugo/client';
import { ETA_SAMPLE_SIZE } from '../domain/deployments';
import { claimDeploymentRequests, getDeployment, insertDeploymentRequest, listDeployments, recentDurations, type DeploymentRequest } from '../store/deployment-store';
import type { StreamJoin } from '../store/stream-join';

/** A deployment as the portal shows it: its state plus what the ETA needs. */
export interface DeploymentView extends DeploymentState {
  /** Median duration (ms) of this tenant's recent completed deployments of the same type; null without history. */
  typicalDurationMs: number | null;
  /** ISO 8601; null when finished or without history. */
  estimatedCompletion: string | null;
}

/**
 * How a reader joins the live stream without gap or double: `position` (Centrifugo's, read BEFORE the
 * state) for clients that subscribe with `since`; `streamSeq` and `pendingEventIds` (read in the same
 * snapshot as the state) for clients that follow the relay's `seq`: apply events with a higher `seq`,
 * except those ids, which the state already holds.
 */
export interface StreamAnchor extends StreamJoin {
  position: StreamPosition | null;
}

/** Use case 1 read routes, the "Desplegar" request, and the deployer's claim. */
export const deploymentRoutes: FastifyPluginAsyncZod<{ database: Database; centrifugo: CentrifugoClient }> = async (app, { database, centrifugo }) => {
  const view = (state: DeploymentState, durations: Map<string, number[]>, now: number): DeploymentView => {
    const typicalDurationMs = medianMs(durations.get(state.instanceType) ?? []);
    return { ...state, typicalDurationMs, estimatedCompletion: estimateCompletion(state, typicalDurationMs, now) };
  };
  const positionOf = (channel: string) => centrifugo.position(channel).catch(() => null);

  app.get(
    '/v1/tenants/:tenantId/deployments',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['deployments'],
        summary: 'The tenant’s deployments, newest first, with the stream position to go live from',
        params: tenantParams,
        querystring: deploymentListQuerySchema,
        security: [{ bearer: [] }],
      },
    },
    async (request): Promise<{ items: DeploymentView[] } & StreamAnchor> => {
      const channel = app.authorizeChannel(request, 'read', `deployments:${request.params.tenantId}`);
      const tenantId = request.params.tenantId;
      const position = await positionOf(channel.name);
      const [{ items, join }, durations] = await Promise.all([listDeployments(database, tenantId, channel.name, request.query.limit), recentDurations(database, tenantId, ETA_SAMPLE_SIZE)]);
      const now = Date.now();
      return { items: items.map((s) => view(s, durations, now)), position, ...join };
    },
  );

  app.get(
    '/v1/tenants/:tenantId/deployments/:deploymentId',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['deployments'],
        summary: 'One deployment: state, steps, log tail, ETA and the stream position',
        description: '404 when the tenant has no such deployment. A deployment requested but not yet started answers `item: null` with `requested`.',
        params: deploymentParams,
        security: [{ bearer: [] }],
      },
    },
    async (request): Promise<{ item: DeploymentView | null; requested: boolean } & StreamAnchor> => {
      const { tenantId, deploymentId } = request.params;
      const channel = app.authorizeChannel(request, 'read', `deployments:${tenantId}`);
      const position = await positionOf(channel.name);
      const [{ item, requested, join }, durations] = await Promise.all([getDeployment(database, tenantId, deploymentId, channel.name), recentDurations(database, tenantId, ETA_SAMPLE_SIZE)]);
      if (!item && !requested) throw new AppError('ERR_NOT_FOUND', `no deployment ${deploymentId} in this tenant`);
      return { item: item ? view(item, durations, Date.now()) : null, requested: item === null && requested, position, ...join };
    },
  );

  app.post(
    '/v1/tenants/:tenantId/deployments',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['deployments'],
        summary: 'Request a deployment (needs deploy:write); 202 with its id',
        description:
          'The service does not deploy: it records the request, and the stack deployer claims it (`POST /v1/deployer/claim`) and reports progress as events under the returned id.',
        params: tenantParams,
        body: deploymentRequestBodySchema,
        security: [{ bearer: [] }],
      },
    },
    async (request, reply): Promise<{ deploymentId: string; status: 'requested'; channel: string }> => {
      const tenantId = request.params.tenantId;
      const channel = app.authorizeChannel(request, 'write', `deployments:${tenantId}`);
      const deploymentId = `dep-${uuidv7()}`;
      await insertDeploymentRequest(database, { deploymentId, tenantId, instanceType: request.body.instanceType, instanceName: request.body.instanceName ?? null, size: request.body.size ?? null, requestedBy: request.identity!.sub });
      void reply.status(202);
      return { deploymentId, status: 'requested', channel: channel.name };
    },
  );

  // Why a claim through the database rather than an event: a request is a command for ONE deployer,
  // not news for every subscriber; the table gives at-most-once hand-over (SKIP LOCKED) and survives
  // a deployer that is down when the user clicks.
  app.post(
    '/v1/deployer/claim',
    {
      onRequest: app.requireIngestKey,
      schema: {
        tags: ['deployments'],
        summary: 'Stack deployer: claim pending deployment requests of the key’s tenants (ingest key)',
        description:
          'Each request carries its configuration (`instanceType`, `instanceName`, `size`) and who asked (`requestedBy`); the deployer reports them back in the `deployment_start` event it publishes under `deploymentId`.',
        body: deployerClaimBodySchema,
        security: [{ ingestKey: [] }],
      },
    },
    // A scoped key only ever sees the requests of its own tenants.
    async (request): Promise<{ requests: DeploymentRequest[] }> => ({ requests: await claimDeploymentRequests(database, request.body.limit, tenantsOf(request.ingestKey!), actorOf(request)) }),
  );
};
