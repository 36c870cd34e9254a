import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  deployerClaimBodySchema,
  deploymentListQuerySchema,
  deploymentParamsSchema as deploymentParams,
  deploymentRequestBodySchema,
  tenantChannel,
  tenantParamsSchema as tenantParams,
  deployerClaimResponseSchema,
  deploymentDetailResponseSchema,
  deploymentListResponseSchema,
  deploymentRequestedResponseSchema,
  estimateCompletion,
  medianMs,
  uuidv7,
  type DeploymentState,
  type DeploymentView,
} from '@neo/contracts';
import { AppError } from '../errors';
import { tenantsOf } from '../auth/ingest-keys';
import { actorOf } from '../plugins/auth';
import type { Database } from '../store/database';
import type { CentrifugoClient } from '../centrifugo/client';
import { ETA_SAMPLE_SIZE } from '../domain/deployments';
import { claimDeploymentRequests, getDeployment, insertDeploymentRequest, listDeployments, recentDurations } from '../store/deployment-store';
import { responses } from './responses';

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
        response: responses({ 200: deploymentListResponseSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const channel = app.authorizeChannel(request, 'read', tenantChannel('deployments', request.params.tenantId));
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
        response: responses({ 200: deploymentDetailResponseSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const { tenantId, deploymentId } = request.params;
      const channel = app.authorizeChannel(request, 'read', tenantChannel('deployments', tenantId));
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
        response: responses({ 202: deploymentRequestedResponseSchema }),
        security: [{ bearer: [] }],
      },
    },
    async (request, reply) => {
      const tenantId = request.params.tenantId;
      const channel = app.authorizeChannel(request, 'write', tenantChannel('deployments', tenantId));
      const deploymentId = `dep-${uuidv7()}`;
      await insertDeploymentRequest(database, { deploymentId, tenantId, instanceType: request.body.instanceType, instanceName: request.body.instanceName ?? null, size: request.body.size ?? null, requestedBy: request.identity!.sub });
      return reply.status(202).send({ deploymentId, status: 'requested', channel: channel.name });
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
        response: responses({ 200: deployerClaimResponseSchema }),
        security: [{ ingestKey: [] }],
      },
    },
    // A scoped key only ever sees the requests of its own tenants.
    async (request) => ({ requests: await claimDeploymentRequests(database, request.body.limit, tenantsOf(request.ingestKey!), actorOf(request)) }),
  );
};
