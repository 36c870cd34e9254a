// The tenant-id rule as zod schemas. Apart from tenant.ts, which the browser's first page imports
// (through the channel policy): zod stays out of the portal's first-load JavaScript.
import './zod-setup';
import { z } from 'zod';
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from './tenant';

/** A tenant id wherever one arrives from outside: a path, a query, a body, a token claim. */
export const tenantIdSchema = z.string().regex(TENANT_ID_PATTERN, `a tenant id: ${TENANT_ID_RULE}`);

/**
 * The params of every route under `/tenants/:tenantId/` (extended by those with more params). A
 * malformed id is a 400 `ERR_VALIDATION` naming `params.tenantId` and the rule, before the route runs:
 * before THE policy is asked (so the answer never depends on whether the tenant exists) and before
 * `tenantChannel()`, which throws on a bad id, can be reached.
 */
export const tenantParamsSchema = z.strictObject({ tenantId: tenantIdSchema });
