import { z } from 'zod';

/** A tenant id: lower-case ASCII letters, digits and dashes, 1–63 characters, not starting with a dash. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The same rule as a string, for Centrifugo's `channel_regex` and JSON Schema `pattern`. */
export const TENANT_ID_REGEX_SOURCE = TENANT_ID_PATTERN.source;

/** The rule in words, for the people who read a refusal. */
export const TENANT_ID_RULE = `1–63 lower-case letters, digits or "-", not starting with "-" (${TENANT_ID_REGEX_SOURCE})`;

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID_PATTERN.test(value);
}

/** A tenant id wherever one arrives from outside: a path, a query, a body, a token claim. */
export const tenantIdSchema = z.string().regex(TENANT_ID_PATTERN, `a tenant id: ${TENANT_ID_RULE}`);

/**
 * The params of every route under `/tenants/:tenantId/` (extended by those with more params). A
 * malformed id is a 400 `ERR_VALIDATION` naming `params.tenantId` and the rule, before the route runs:
 * before THE policy is asked (so the answer never depends on whether the tenant exists) and before
 * `tenantChannel()`, which throws on a bad id, can be reached.
 */
export const tenantParamsSchema = z.strictObject({ tenantId: tenantIdSchema });
