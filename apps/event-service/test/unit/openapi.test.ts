import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { testConfig } from '../helpers/service';

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

/** `/docs` is the API's reference: every operation declares what it answers. */
describe('the OpenAPI document (/docs/json)', () => {
  let app: FastifyInstance;
  let operations: Array<{ name: string; operation: Operation }>;
  beforeAll(async () => {
    app = await buildApp(testConfig(), { logger: false });
    const doc = (await app.inject('/docs/json')).json() as { paths: Record<string, Record<string, Operation>> };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })));
  });
  afterAll(() => app.close());

  it('describes every route the service serves', () => {
    const names = operations.map((o) => o.name);
    // A route that went missing from the document (hidden, or registered outside swagger) fails here.
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /healthz', 'GET /readyz', 'GET /metrics', 'POST /v1/auth/login', 'GET /v1/me', 'POST /v1/realtime/connection-token', 'POST /v1/realtime/subscription-token',
        'POST /v1/events', 'GET /v1/history', 'GET /v1/tenants/{tenantId}/deployments', 'POST /v1/tenants/{tenantId}/deployments', 'GET /v1/tenants/{tenantId}/deployments/{deploymentId}',
        'POST /v1/deployer/claim', 'GET /v1/tenants/{tenantId}/notifications', 'GET /v1/tenants/{tenantId}/notifications/{id}', 'POST /v1/tenants/{tenantId}/notifications/{id}/read',
        'POST /v1/tenants/{tenantId}/notifications/read-all', 'GET /v1/tenants/{tenantId}/presence', 'PUT /v1/tenants/{tenantId}/presence/me', 'GET /v1/admin/alerts',
        'GET /v1/tenants/{tenantId}/alerts', 'GET /v1/tenants/{tenantId}/metrics/instances', 'GET /v1/admin/tenants/overview', 'GET /v1/admin/top-tenants',
        'PUT /v1/admin/users/{userId}/permissions', 'PUT /v1/admin/tenants/{tenantId}/suspension', 'POST /v1/admin/users/{userId}/disconnect', 'POST /v1/admin/ingest-keys',
        'GET /v1/admin/ingest-keys', 'DELETE /v1/admin/ingest-keys/{id}', 'GET /v1/admin/audit',
      ]),
    );
  });

  it('gives every operation a 2xx answer with a schema, and the problem document for errors', () => {
    const lacking: string[] = [];
    for (const { name, operation } of operations) {
      const responses = operation.responses ?? {};
      const ok = Object.entries(responses).filter(([status]) => /^2\d\d$/.test(status));
      if (ok.length === 0) lacking.push(`${name}: no 2xx response`);
      for (const [status, response] of ok) {
        if (status === '204') continue;
        const schemas = Object.values(response.content ?? {}).map((c) => c.schema);
        if (schemas.length === 0 || schemas.some((s) => !s || Object.keys(s).length === 0)) lacking.push(`${name}: ${status} without a schema`);
      }
      for (const range of ['4XX', '5XX']) {
        const problem = responses[range]?.content?.['application/problem+json']?.schema as { required?: string[] } | undefined;
        if (!problem?.required?.includes('code')) lacking.push(`${name}: ${range} is not the problem document`);
      }
    }
    expect(lacking).toEqual([]);
  });

  it('documents the stream anchor of the read routes', () => {
    const list = operations.find((o) => o.name === 'GET /v1/tenants/{tenantId}/deployments')!.operation;
    const schema = list.responses!['200']!.content!['application/json']!.schema as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['items', 'position', 'streamSeq', 'pendingEventIds', 'pendingOverflow']));
    expect(schema.required).toEqual(expect.arrayContaining(['items', 'position', 'streamSeq', 'pendingEventIds']));
  });
});
