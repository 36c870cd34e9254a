// Before any schema is built: configures zod for the browser (see the file).
import './zod-setup';
import { z } from 'zod';
import { tenantIdSchema, tenantParamsSchema } from './tenant-schemas';
import { deploymentSizeSchema, EVENT_TYPES, eventRegistry, instanceTypeSchema, PRESENCE_STATUSES, userIdSchema, type EventType, type PresenceStatus } from './events';
import { PERMISSIONS } from './policy';
import { AUDIT_ACTIONS } from './operators';
import { isoInstantOrDate, isStorableText, storableString, storableText, UNSTORABLE_TEXT_MESSAGE } from './fields';

/*
 * The params, query strings and bodies of the event service's routes. The routes validate with these and
 * nothing else, so every rule about what may reach the database lives here (see fields.ts and
 * docs/errors.md), and a client or a test can check a request exactly as the service will.
 */

// Every route with a `:tenantId` param validates it with `tenantParamsSchema` (tenant.ts), the rule THE
// policy's channel parser applies too, so a malformed id is 400 ERR_VALIDATION on every route.
const deploymentIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

// POST /v1/auth/login: compared with the demo identities, never stored; a wrong text is a 401.
export const loginBodySchema = z.strictObject({
  email: z.string().trim().min(3).max(200),
  password: z.string().min(1).max(200),
});

// POST /v1/realtime/subscription-token: the channel goes to THE policy's parser, never to the database.
export const subscriptionTokenBodySchema = z.strictObject({ channel: z.string().max(256) });

// Operator routes.
export const adminUserParamsSchema = z.strictObject({
  // Any printable ASCII id an identity provider may use as `sub` (e.g. `auth0|123`), nothing else.
  userId: z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
});
export const permissionsBodySchema = z.strictObject({
  permissions: z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length * 2).transform((p) => [...new Set(p)]),
});
export const suspensionBodySchema = z.strictObject({ suspended: z.boolean() });
export const disconnectBodySchema = z.strictObject({}).nullish();
export const ingestKeyParamsSchema = z.strictObject({ id: z.uuid('an ingest key id (a UUID)') });
export const auditQuerySchema = z.strictObject({
  /** Compared with a stored text column, so it follows the storable rule. */
  actor: storableString().min(1).max(200).optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  tenantId: tenantIdSchema.optional(),
  /** Normalised to UTC milliseconds; a bare date is midnight UTC. */
  from: isoInstantOrDate().optional(),
  to: isoInstantOrDate().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export const TOP_TENANTS_MAX_LIMIT = 100;
export const topTenantsQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(TOP_TENANTS_MAX_LIMIT).default(10) });

// Presence.
export const MAX_PAGE_LENGTH = 200;
/** What a user may set; `offline` is never set by hand, it is what the service sees when they are gone. */
export const SETTABLE_PRESENCE_STATUSES = PRESENCE_STATUSES.filter((s) => s !== 'offline') as Exclude<PresenceStatus, 'offline'>[];
/** What a user chooses for every device; `away` is detected, never chosen. */
export const CHOSEN_PRESENCE_STATUSES = ['online', 'busy'] as const;
export const presenceStatusBodySchema = z.strictObject({
  status: z.enum(SETTABLE_PRESENCE_STATUSES as [Exclude<PresenceStatus, 'offline'>, ...Exclude<PresenceStatus, 'offline'>[]]),
  /**
   * The reporting device (a browser profile: its tabs share it), so that one person has one status across
   * devices. With it, `status` says only whether this device is in use (`away`: idle; otherwise active) and
   * the device must report again at least every PRESENCE_DEVICE_TTL_MS / 2. Without it, the status is
   * stored as sent (clients written before devices existed).
   */
  deviceId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8–64 letters, digits, "_" or "-"').optional(),
  /** The status the user picked (menu): kept for all their devices until they pick again. */
  choice: z.enum(CHOSEN_PRESENCE_STATUSES).optional(),
  currentPage: z.string().trim().max(MAX_PAGE_LENGTH, `at most ${MAX_PAGE_LENGTH} characters`).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE).optional(),
});

// History.
export const MAX_QUERY_LENGTH = 200;
/** Most event types one history search may name. */
export const MAX_HISTORY_TYPES = EVENT_TYPES.length;
/** `type=a,b`: distinct registry types, comma-separated; an unknown one is refused naming it. */
const eventTypeList = z
  .string()
  .max(1000)
  .transform((raw, ctx) => {
    const names = [...new Set(raw.split(',').map((t) => t.trim()))];
    const unknown = names.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown event type ${unknown.map((t) => JSON.stringify(t.slice(0, 64))).join(', ')}; one of ${EVENT_TYPES.join(', ')}` });
      return z.NEVER;
    }
    return names as EventType[];
  });
export const historyQuerySchema = z.strictObject({
  /** One channel; absent, the search covers every channel the caller may read. */
  channel: z.string().min(1).max(256).optional(),
  /** Only these event types (comma-separated). */
  type: eventTypeList.optional(),
  /** Only events about or by this user (see USER_SUBJECT_FIELDS). */
  userId: userIdSchema.optional(),
  /** Full-text search; a text the database cannot hold matches nothing stored, so it is refused. */
  q: storableString().max(MAX_QUERY_LENGTH, `at most ${MAX_QUERY_LENGTH} characters`).optional(),
  /** Normalised to UTC milliseconds; a bare date is midnight UTC. */
  from: isoInstantOrDate().optional(),
  to: isoInstantOrDate().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  /** Catch-up mode: events after this stream sequence, oldest first. A safe integer (zod's `int`). */
  afterSeq: z.coerce.number().int().min(0).optional(),
});

// Deployments.
export const deploymentParamsSchema = tenantParamsSchema.extend({ deploymentId: z.string().regex(deploymentIdPattern, 'a deployment id') });
export const deploymentListQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });
/** What the tenant asks for: the product, and optionally the instance's name and size (the deployer's default otherwise). */
export const deploymentRequestBodySchema = z.strictObject({ instanceType: instanceTypeSchema, instanceName: storableText(100).optional(), size: deploymentSizeSchema.optional() });
export const deployerClaimBodySchema = z.strictObject({ limit: z.number().int().min(1).max(50).default(10) }).default({ limit: 10 });

// Billing notifications.
const BILLING_TYPES = EVENT_TYPES.filter((t) => eventRegistry[t].topic === 'billing') as [EventType, ...EventType[]];
export const notificationParamsSchema = tenantParamsSchema.extend({ id: z.uuid() });
export const notificationListQuerySchema = z.strictObject({
  unread: z.enum(['true', 'false']).optional(),
  type: z.enum(BILLING_TYPES).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

// Dashboards.
export const alertListQuerySchema = z.strictObject({ state: z.enum(['open', 'all']).default('open'), limit: z.coerce.number().int().min(1).max(200).default(100) });
