// Before any schema is built: configures zod for the browser (see the file).
import './zod-setup';
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from './events';
import { TENANT_ID_REGEX_SOURCE } from './tenant';

/** Every scope list accepts this alone to mean "all" (all event types, all tenants and the admin channels). */
export const ANY = '*';

const onlyStarAlone = (list: readonly string[]) => !list.includes(ANY) || list.length === 1;

/** The scope of a producer's ingest key: which event types it may publish, for which tenants. */
export const ingestKeyScopeSchema = z.strictObject({
  eventTypes: z
    .array(z.enum([ANY, ...EVENT_TYPES] as [typeof ANY, ...EventType[]], { error: `an event type (${EVENT_TYPES.join(', ')}) or "*"` }))
    .min(1, 'at least one event type, or ["*"]')
    .max(EVENT_TYPES.length)
    .refine(onlyStarAlone, '"*" stands alone')
    .transform((list) => [...new Set(list)]),
  tenants: z
    .array(z.union([z.literal(ANY), z.string().regex(new RegExp(TENANT_ID_REGEX_SOURCE), 'a tenant id (lower-case letters, digits, dashes) or "*"')]))
    .min(1, 'at least one tenant, or ["*"]')
    .max(1000)
    .refine(onlyStarAlone, '"*" stands alone')
    .transform((list) => [...new Set(list)]),
});
export type IngestKeyScope = z.output<typeof ingestKeyScopeSchema>;

/** `POST /v1/admin/ingest-keys` body. */
export const createIngestKeySchema = ingestKeyScopeSchema.extend({
  /** Who the key is for (a producer's name: "stack-deployer", "billing"). */
  name: z.string().trim().min(1, 'a name').max(100).regex(/^[\p{L}\p{N} ._:/-]+$/u, 'letters, digits, spaces and . _ : / -'),
});
export type CreateIngestKeyRequest = z.input<typeof createIngestKeySchema>;

/** An ingest key as operators list it: never the key itself. */
export interface IngestKeyView extends IngestKeyScope {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The answer to creating a key: the only time the key is shown. */
export interface CreatedIngestKey extends IngestKeyScope {
  id: string;
  name: string;
  /** The secret to send as `Authorization: Bearer <key>`; stored only as a hash. */
  key: string;
  createdAt: string;
}

/** What an operator (or a producer) did, as the audit log names it. */
export const AUDIT_ACTIONS = [
  'user.permissions.set',
  'user.disconnect',
  'tenant.suspension.set',
  'ingest_key.create',
  'ingest_key.revoke',
  'deployment_request.claim',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditActor {
  /** `user`: a platform operator's token (or `cli:<os user>` for `npm run keys`); `ingest_key`: a producer's key id. */
  kind: 'user' | 'ingest_key';
  id: string;
}

/** One entry of the append-only audit log (`GET /v1/admin/audit`). */
export interface AuditEntry {
  id: string;
  /** ISO 8601. */
  at: string;
  actor: AuditActor;
  action: AuditAction;
  /** What was acted on: `user:<id>`, `tenant:<id>`, `ingest_key:<id>`, `deployment:<id>`. */
  target: string;
  /** The tenant concerned, when there is one (filterable). */
  tenantId: string | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

/** Whether `scope` lets a producer publish `type` for `tenantId` (undefined: an operator channel, `admin:*`). */
export function ingestScopeAllows(scope: IngestKeyScope, type: string, tenantId: string | undefined): boolean {
  const typeOk = scope.eventTypes.includes(ANY) || scope.eventTypes.includes(type as EventType);
  const tenantOk = scope.tenants.includes(ANY) || (tenantId !== undefined && scope.tenants.includes(tenantId));
  return typeOk && tenantOk;
}
