// Before any schema is built: configures zod for the browser (see the file).
import './zod-setup';
import { z } from 'zod';
import { type EventType, ALERT_SEVERITIES, DEPLOYMENT_SIZES, DEPLOYMENT_STATUSES, EVENT_TYPES, INSTANCE_STATUSES, INSTANCE_TYPES, PRESENCE_STATUSES } from './events';
import { ERRORS, type ErrorCode, type ProblemDocument } from './errors';
import { ANY, AUDIT_ACTIONS, type AuditPage, type CreatedIngestKey, type IngestKeyView } from './operators';
import type { DeploymentState } from './deployment-state';
import type { AlertView, HistoryItem, InstanceMetricsView, LoginResponse, MeResponse, PresenceMember, PublicUser, StreamPosition, TokenResponse, IngestResponse } from './api';

/*
 * The JSON answers of every route of the event service, as zod schemas with the TypeScript types inferred
 * from them. The service declares them as each route's `response` (so `/docs` describes every answer and
 * an answer that drifts from its schema fails the route's tests), and clients type their API calls with
 * the inferred types instead of casting.
 *
 * Every object is strict: a field the service sends but the schema does not name fails the answer
 * instead of being stripped silently, so the schema stays the exact shape the portal reads.
 * Where an interface already existed (api.ts, operators.ts, deployment-state.ts) it stays the reference
 * for its documentation, and a compile-time check at the end of this file keeps it and the schema equal.
 */

const iso = z.string().describe('ISO 8601 instant');
const nullableIso = iso.nullable();
const messageParams = z.record(z.string(), z.union([z.string(), z.number()]));

// ---- Errors ---------------------------------------------------------------------------------------

/** An RFC 9457 problem document: every 4xx and 5xx answer of the service. */
export const problemDocumentSchema = z.strictObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]),
  errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  reason: z.string().optional(),
});

// ---- Stream joins -----------------------------------------------------------------------------------

/** A position in a Centrifugo channel stream: `offset` within `epoch`. */
export const streamPositionSchema = z.strictObject({ offset: z.number().int().nonnegative(), epoch: z.string() });

/**
 * What a reader needs to join the live stream exactly (read in the same snapshot as the state): the
 * channel's last `seq`, and the ids of events already in the state but not yet numbered (skip them when
 * they arrive). `pendingOverflow` (true) says the join cannot be exact: load the state again later.
 */
export const streamJoinSchema = z.strictObject({
  streamSeq: z.number().int().nonnegative(),
  pendingEventIds: z.array(z.string()),
  pendingOverflow: z.literal(true).optional(),
});
export type StreamJoin = z.infer<typeof streamJoinSchema>;

/**
 * How a reader joins the live stream without gap or double: `position` (Centrifugo's, read BEFORE the
 * state; null when Centrifugo could not be asked) for clients that subscribe with `since`; `streamSeq` and
 * `pendingEventIds` for clients that follow the relay's `seq`.
 */
export const streamAnchorSchema = streamJoinSchema.extend({ position: streamPositionSchema.nullable() });
export type StreamAnchor = z.infer<typeof streamAnchorSchema>;

// ---- Health -----------------------------------------------------------------------------------------

export const livenessResponseSchema = z.strictObject({ status: z.literal('ok') });
export type LivenessResponse = z.infer<typeof livenessResponseSchema>;
/** `GET /readyz`: 200 `ready`, or 503 `not_ready` (each check's error) / `draining`. */
export const readinessResponseSchema = z.strictObject({
  status: z.enum(['ready', 'not_ready', 'draining']),
  /** Each dependency: `ok` or what went wrong. */
  checks: z.record(z.string(), z.string()),
});
export type ReadinessResponse = z.infer<typeof readinessResponseSchema>;

// ---- Auth and tokens --------------------------------------------------------------------------------

export const publicUserSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  tenantId: z.string().nullable(),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  operator: z.boolean(),
});
export const loginResponseSchema = z.strictObject({ token: z.string(), expiresIn: z.number().int(), user: publicUserSchema });
export const tokenResponseSchema = z.strictObject({ token: z.string(), expiresIn: z.number().int() });
export const meResponseSchema = z.strictObject({ user: publicUserSchema, channels: z.array(z.string()) });

// ---- Ingest -----------------------------------------------------------------------------------------

export const ingestResponseSchema = z.strictObject({ accepted: z.array(z.strictObject({ id: z.string(), channel: z.string() })) });

// ---- Deployments ------------------------------------------------------------------------------------

export const deploymentStateSchema = z.strictObject({
  id: z.string(),
  tenantId: z.string(),
  instanceType: z.enum(INSTANCE_TYPES),
  instanceName: z.string().nullable(),
  size: z.enum(DEPLOYMENT_SIZES).nullable().optional(),
  status: z.enum(DEPLOYMENT_STATUSES),
  progress: z.number(),
  currentStep: z.string().nullable(),
  steps: z.array(z.string()),
  logs: z.array(z.string()),
  logCount: z.number().int(),
  error: z.string().nullable(),
  errorCode: z.string().nullable().optional(),
  errorParams: messageParams.nullable().optional(),
  instanceUrl: z.string().nullable(),
  startedAt: iso,
  finishedAt: nullableIso,
  updatedAt: iso,
  version: z.number().int(),
});

/** A deployment as the portal shows it: its state plus what the ETA needs. */
export const deploymentViewSchema = deploymentStateSchema.extend({
  /** Median duration (ms) of this tenant's recent completed deployments of the same type; null without history. */
  typicalDurationMs: z.number().nullable(),
  /** ISO 8601; null when finished or without history. */
  estimatedCompletion: nullableIso,
});
export type DeploymentView = z.infer<typeof deploymentViewSchema>;

/** `GET /v1/tenants/{tenantId}/deployments`. */
export const deploymentListResponseSchema = streamAnchorSchema.extend({ items: z.array(deploymentViewSchema) });
export type DeploymentListResponse = z.infer<typeof deploymentListResponseSchema>;

/** `GET /v1/tenants/{tenantId}/deployments/{deploymentId}`: `item: null, requested: true` while requested but not started. */
export const deploymentDetailResponseSchema = streamAnchorSchema.extend({ item: deploymentViewSchema.nullable(), requested: z.boolean() });
export type DeploymentDetailResponse = z.infer<typeof deploymentDetailResponseSchema>;

/** `POST /v1/tenants/{tenantId}/deployments` (202). */
export const deploymentRequestedResponseSchema = z.strictObject({ deploymentId: z.string(), status: z.literal('requested'), channel: z.string() });
export type DeploymentRequestedResponse = z.infer<typeof deploymentRequestedResponseSchema>;

/** A deployment request as the stack deployer claims it. */
export const deploymentRequestSchema = z.strictObject({
  deploymentId: z.string(),
  tenantId: z.string(),
  instanceType: z.enum(INSTANCE_TYPES),
  instanceName: z.string().nullable(),
  /** The size asked for; null when the request named none (the deployer's default). */
  size: z.enum(DEPLOYMENT_SIZES).nullable(),
  requestedBy: z.string(),
  requestedAt: iso,
});
export type DeploymentRequest = z.infer<typeof deploymentRequestSchema>;
/** `POST /v1/deployer/claim`. */
export const deployerClaimResponseSchema = z.strictObject({ requests: z.array(deploymentRequestSchema) });
export type DeployerClaimResponse = z.infer<typeof deployerClaimResponseSchema>;

// ---- Billing notifications --------------------------------------------------------------------------

const BILLING_EVENT_TYPES = ['billing_invoice', 'billing_payment', 'billing_plan_change', 'billing_usage_alert', 'billing_subscription'] as const;

/** One billing notification with the caller's read state. */
export const notificationSchema = z.strictObject({
  id: z.string(),
  type: z.enum(BILLING_EVENT_TYPES),
  /** `approved`, `rejected`, `pending`, … (the event's own status), or the threshold for usage alerts. */
  status: z.string().nullable(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  /** The producer's message, when it sent one; the portal words the rest in the reader's language. */
  message: z.string().nullable(),
  /** The fields the portal needs to word the notification (plan names, resource, percent, …). */
  details: messageParams,
  createdAt: iso,
  /** Invoices: the day payment is due (`YYYY-MM-DD`); null otherwise. */
  dueDate: z.string().nullable(),
  read: z.boolean(),
});
export type Notification = z.infer<typeof notificationSchema>;

/** `GET /v1/tenants/{tenantId}/notifications`. */
export const notificationListResponseSchema = streamAnchorSchema.extend({
  items: z.array(notificationSchema),
  /** Exact count of the caller's unread notifications in the tenant (all types). */
  unreadCount: z.number().int().nonnegative(),
  nextCursor: z.string().nullable(),
  /**
   * The caller's own channel (`user:{tenantId}_{userKey}`), where marks made on their other devices
   * arrive; null when the caller is not a member of the tenant (an operator reading it). Sent so that a
   * browser subscribes to it without hashing the user id itself (SHA-256 stays on the server).
   */
  userChannel: z.string().nullable(),
});
export type NotificationListResponse = z.infer<typeof notificationListResponseSchema>;
/** `POST /v1/tenants/{tenantId}/notifications/{id}/read`. */
export const notificationReadResponseSchema = z.strictObject({ id: z.string(), read: z.literal(true), unreadCount: z.number().int().nonnegative() });
export type NotificationReadResponse = z.infer<typeof notificationReadResponseSchema>;
/** `POST /v1/tenants/{tenantId}/notifications/read-all`. */
export const notificationsReadAllResponseSchema = z.strictObject({ unreadCount: z.number().int().nonnegative() });
export type NotificationsReadAllResponse = z.infer<typeof notificationsReadAllResponseSchema>;

// ---- History ----------------------------------------------------------------------------------------

/**
 * One stored event and its channel. The answer checks the envelope's frame only: `data` was validated
 * against the registry when it was ingested, and an event stored under an older version of a schema
 * must still be readable. The type is the registry's (`HistoryItem`), narrowed by `type`.
 */
export const historyItemSchema = z.strictObject({
  id: z.string(),
  type: z.enum(EVENT_TYPES as [string, ...string[]]),
  tenantId: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
  timestamp: iso,
  seq: z.number().int().optional(),
  channel: z.string(),
}) as unknown as z.ZodType<HistoryItem>;

/** `GET /v1/history`. `position`: the channel's stream position, read before the page (first page of one channel only). */
export const historyPageSchema = z.strictObject({
  items: z.array(historyItemSchema),
  nextCursor: z.string().nullable(),
  position: streamPositionSchema.nullable().optional(),
});
export type HistoryPage = z.infer<typeof historyPageSchema>;

// ---- Presence ---------------------------------------------------------------------------------------

export const presenceMemberSchema = z.strictObject({
  userId: z.string(),
  userName: z.string(),
  status: z.enum(PRESENCE_STATUSES),
  currentPage: z.string().nullable(),
  lastSeen: iso,
  /** Open connections (tabs, devices) now; 0 = offline. */
  connections: z.number().int().nonnegative(),
});
/** `GET /v1/tenants/{tenantId}/presence`. */
export const presenceListResponseSchema = z.strictObject({ members: z.array(presenceMemberSchema), position: streamPositionSchema.nullable() });
export type PresenceListResponse = z.infer<typeof presenceListResponseSchema>;
/** `PUT /v1/tenants/{tenantId}/presence/me`: the caller's status as stored. */
export const presenceSetResponseSchema = presenceMemberSchema.omit({ connections: true });
export type PresenceSetResponse = z.infer<typeof presenceSetResponseSchema>;

// ---- Dashboards -------------------------------------------------------------------------------------

export const alertViewSchema = z.strictObject({
  alertId: z.string(),
  rule: z.string(),
  severity: z.enum(ALERT_SEVERITIES),
  state: z.enum(['open', 'resolved']),
  message: z.string(),
  code: z.string().nullable().optional(),
  params: messageParams.nullable().optional(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  tenantId: z.string().nullable(),
  instanceId: z.string().nullable(),
  openedAt: iso,
  updatedAt: iso,
  resolvedAt: nullableIso,
});
/** `GET /v1/admin/alerts`, `GET /v1/tenants/{tenantId}/alerts`. */
export const alertListResponseSchema = streamAnchorSchema.extend({ items: z.array(alertViewSchema) });
export type AlertListResponse = z.infer<typeof alertListResponseSchema>;

export const instanceMetricsViewSchema = z.strictObject({
  instanceId: z.string(),
  instanceType: z.string().nullable(),
  cpu: z.number(),
  memory: z.number(),
  disk: z.number(),
  networkIn: z.number(),
  networkOut: z.number(),
  uptime: z.number(),
  updatedAt: iso,
  status: z.enum(INSTANCE_STATUSES),
  receivedAt: iso,
  intervalMs: z.number().nullable(),
});
/** `GET /v1/tenants/{tenantId}/metrics/instances`: `activeInstances` counts the online ones. */
export const instanceListResponseSchema = z.strictObject({ instances: z.array(instanceMetricsViewSchema), activeInstances: z.number().int().nonnegative() });
export type InstanceListResponse = z.infer<typeof instanceListResponseSchema>;

/** One row of the operators' tenants overview. */
export const tenantOverviewSchema = z.strictObject({
  tenantId: z.string(),
  name: z.string(),
  onlineUsers: z.number().int().nonnegative(),
  activeDeployments: z.number().int().nonnegative(),
  activeInstances: z.number().int().nonnegative(),
  openAlerts: z.number().int().nonnegative(),
});
export type TenantOverview = z.infer<typeof tenantOverviewSchema>;
/** `GET /v1/admin/tenants/overview`. */
export const tenantsOverviewResponseSchema = z.strictObject({ tenants: z.array(tenantOverviewSchema) });
export type TenantsOverviewResponse = z.infer<typeof tenantsOverviewResponseSchema>;

/** `GET /v1/admin/top-tenants`. */
export const topTenantsResponseSchema = z.strictObject({
  /** The window the ranking covers, seconds. */
  windowSeconds: z.number().int().positive(),
  tenants: z.array(z.strictObject({ tenantId: z.string(), events: z.number().int().nonnegative(), perSecond: z.number().nonnegative() })),
});
export type TopTenantsResponse = z.infer<typeof topTenantsResponseSchema>;

// ---- Operators --------------------------------------------------------------------------------------

/** `PUT /v1/admin/users/{userId}/permissions`. */
export const permissionsResponseSchema = z.strictObject({
  userId: z.string(),
  permissions: z.array(z.string()),
  /** Channels whose open subscriptions of this user were ended through Centrifugo's server API. */
  unsubscribed: z.array(z.string()),
});
export type PermissionsResponse = z.infer<typeof permissionsResponseSchema>;
/** `PUT /v1/admin/tenants/{tenantId}/suspension`. */
export const suspensionResponseSchema = z.strictObject({
  tenantId: z.string(),
  suspended: z.boolean(),
  /** How many users of the tenant were disconnected (0 when lifting a suspension). */
  disconnectedUsers: z.number().int().nonnegative(),
});
export type SuspensionResponse = z.infer<typeof suspensionResponseSchema>;
/** `POST /v1/admin/users/{userId}/disconnect`. */
export const disconnectResponseSchema = z.strictObject({
  userId: z.string(),
  /** Platform tokens issued before this instant are refused: the user must sign in again. */
  tokensRevokedBefore: iso,
});
export type DisconnectResponse = z.infer<typeof disconnectResponseSchema>;

const scopeLists = {
  eventTypes: z.array(z.enum([ANY, ...EVENT_TYPES] as [typeof ANY, ...EventType[]])),
  tenants: z.array(z.string()),
};
/** `POST /v1/admin/ingest-keys` (201): the only time the key is shown. */
export const createdIngestKeySchema = z.strictObject({ id: z.string(), name: z.string(), key: z.string(), ...scopeLists, createdAt: iso });
export const ingestKeyViewSchema = z.strictObject({ id: z.string(), name: z.string(), ...scopeLists, createdAt: iso, lastUsedAt: nullableIso, revokedAt: nullableIso });
/** `GET /v1/admin/ingest-keys`. */
export const ingestKeyListResponseSchema = z.strictObject({ items: z.array(ingestKeyViewSchema) });
export type IngestKeyListResponse = z.infer<typeof ingestKeyListResponseSchema>;

export const auditEntrySchema = z.strictObject({
  id: z.string(),
  at: iso,
  actor: z.strictObject({ kind: z.enum(['user', 'ingest_key']), id: z.string() }),
  action: z.enum(AUDIT_ACTIONS),
  target: z.string(),
  tenantId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
/** `GET /v1/admin/audit`. */
export const auditPageSchema = z.strictObject({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() });

// ---- Compile-time checks: the schemas above and the contract's interfaces describe the same JSON -------

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** Not used at run time: compiling this file fails when a schema and its interface drift apart. */
export type ResponseSchemasMatchInterfaces = [
  Assert<Same<z.infer<typeof problemDocumentSchema>, ProblemDocument>>,
  Assert<Same<z.infer<typeof streamPositionSchema>, StreamPosition>>,
  Assert<Same<z.infer<typeof publicUserSchema>, PublicUser>>,
  Assert<Same<z.infer<typeof loginResponseSchema>, LoginResponse>>,
  Assert<Same<z.infer<typeof tokenResponseSchema>, TokenResponse>>,
  Assert<Same<z.infer<typeof meResponseSchema>, MeResponse>>,
  Assert<Same<z.infer<typeof ingestResponseSchema>, IngestResponse>>,
  Assert<Same<z.infer<typeof deploymentStateSchema>, DeploymentState>>,
  Assert<Same<z.infer<typeof presenceMemberSchema>, PresenceMember>>,
  Assert<Same<z.infer<typeof alertViewSchema>, AlertView>>,
  Assert<Same<z.infer<typeof instanceMetricsViewSchema>, InstanceMetricsView>>,
  Assert<Same<z.infer<typeof auditPageSchema>, AuditPage>>,
  Assert<Same<z.infer<typeof createdIngestKeySchema>, CreatedIngestKey>>,
  Assert<Same<z.infer<typeof ingestKeyViewSchema>, IngestKeyView>>,
];
