// Before any schema is built: configures zod for the browser (see the file).
import './zod-setup';
import { z } from 'zod';
import { tenantIdSchema } from './tenant-schemas';
import type { TenantTopic, AdminTopic } from './channels';
import { calendarDate, capturedText, isoInstant, isStorableText, MAX_EVENT_DATA_BYTES, utf8ByteLength, storableString, storableText, UNSTORABLE_TEXT_MESSAGE } from './fields';
import { messageCodeSchema, messageParamsSchema } from './messages';

const text = storableText;
const logLines = z.array(capturedText(4000)).max(200);
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as MXN');
const money = z.number().finite().nonnegative().max(1e12);
const percent = z.number().finite().min(0).max(100);

export const INSTANCE_TYPES = ['odoo', 'netbox', 'wazuh'] as const;
export const instanceTypeSchema = z.enum(INSTANCE_TYPES);
export type InstanceType = z.infer<typeof instanceTypeSchema>;

/**
 * The size of a deployed instance, chosen when it is requested. What each means in resources is the
 * deployer's business (the demo deployer: small 1 vCPU / 2 GiB, medium 2 / 4, large 4 / 8).
 */
export const DEPLOYMENT_SIZES = ['small', 'medium', 'large'] as const;
export const deploymentSizeSchema = z.enum(DEPLOYMENT_SIZES);
export type DeploymentSize = z.infer<typeof deploymentSizeSchema>;

/** A user id as platform tokens carry it (`sub`): printable ASCII, no spaces, at most 200. */
export const userIdSchema = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/**
 * Whether a tenant's instance reports: `online` within its reporting interval, `stale` after missing a
 * few reports, `offline` after missing many (see INSTANCE_STALE_AFTER_INTERVALS).
 */
export const INSTANCE_STATUSES = ['online', 'stale', 'offline'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const DEPLOYMENT_STATUSES = ['starting', 'in_progress', 'completed', 'failed'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const PRESENCE_STATUSES = ['online', 'away', 'busy', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

const deploymentId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ".", "_" or "-", at most 100');

/** Every event type, its `data` schema and the topic whose channel carries it. */
export const eventRegistry = {
  deployment_start: {
    topic: 'deployments',
    data: z.strictObject({
      deploymentId,
      instanceType: instanceTypeSchema,
      instanceName: text(100).optional(),
      /** The size requested (`POST /v1/tenants/{tenantId}/deployments`), when the deployer knows it. */
      size: deploymentSizeSchema.optional(),
      /** Who asked for the deployment (their user id), when it came from a request. */
      requestedBy: userIdSchema.optional(),
      /** The named steps the deployment will go through, in order. */
      steps: z.array(text(200)).max(50).optional(),
      currentStep: text(200).optional(),
      logs: logLines.optional(),
    }),
  },
  deployment_progress: {
    topic: 'deployments',
    data: z.strictObject({
      deploymentId,
      progress: percent,
      currentStep: text(200),
      logs: logLines.optional(),
    }),
  },
  deployment_complete: {
    topic: 'deployments',
    data: z.strictObject({
      deploymentId,
      instanceUrl: z.url({ protocol: /^https?$/ }).max(500).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE).optional(),
      logs: logLines.optional(),
    }),
  },
  deployment_error: {
    topic: 'deployments',
    data: z.strictObject({
      deploymentId,
      /** Fallback text for API consumers; the portal words `code` and `params` instead when it knows the code. */
      error: text(2000),
      /** What went wrong, as a stable code (DEPLOYMENT_ERROR_CODES lists the demo deployer's). */
      code: messageCodeSchema.optional(),
      params: messageParamsSchema.optional(),
      currentStep: text(200).optional(),
      logs: logLines.optional(),
    }),
  },
  billing_invoice: {
    topic: 'billing',
    data: z.strictObject({
      invoiceId: text(100),
      amount: money,
      currency,
      status: z.enum(['pending', 'paid', 'overdue', 'cancelled']).default('pending'),
      dueDate: calendarDate().optional(),
      message: text(500).optional(),
    }),
  },
  billing_payment: {
    topic: 'billing',
    data: z.strictObject({
      paymentId: text(100),
      invoiceId: text(100).optional(),
      status: z.enum(['approved', 'rejected']),
      amount: money.optional(),
      currency: currency.optional(),
      reason: text(500).optional(),
      message: text(500).optional(),
    }),
  },
  billing_plan_change: {
    topic: 'billing',
    data: z.strictObject({
      fromPlan: text(100).optional(),
      toPlan: text(100),
      message: text(500).optional(),
    }),
  },
  billing_usage_alert: {
    topic: 'billing',
    data: z.strictObject({
      resource: text(100),
      usage: z.number().finite().nonnegative(),
      limit: z.number().finite().positive(),
      /** Billing period the sample belongs to, `YYYY-MM`. */
      period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM').optional(),
      message: text(500).optional(),
    }),
  },
  billing_subscription: {
    topic: 'billing',
    data: z.strictObject({
      status: z.enum(['active', 'trialing', 'past_due', 'cancelled']),
      planName: text(100).optional(),
      message: text(500).optional(),
    }),
  },
  metrics_update: {
    topic: 'metrics',
    data: z.strictObject({
      /** Which machine or instance the figures describe; absent for the platform host. */
      instanceId: text(100).optional(),
      cpu: percent,
      memory: percent,
      disk: percent,
      /** Bytes per second. */
      networkIn: z.number().finite().nonnegative(),
      /** Bytes per second. */
      networkOut: z.number().finite().nonnegative(),
      activeInstances: z.number().int().nonnegative().optional(),
      /** Seconds. */
      uptime: z.number().finite().nonnegative(),
    }),
  },
  alert: {
    topic: 'alerts',
    data: z.strictObject({
      alertId: text(100).optional(),
      /** The tenant instance the alert is about, when it is about one. */
      instanceId: text(100).optional(),
      rule: text(100),
      severity: z.enum(ALERT_SEVERITIES),
      state: z.enum(['open', 'updated', 'resolved']).default('open'),
      /** Fallback text for API consumers; the portal words `code` and `params` instead when it knows the code. */
      message: text(500),
      /** The message as a stable code (ALERT_MESSAGE_CODES lists the service's own), worded with `params`. */
      code: messageCodeSchema.optional(),
      params: messageParamsSchema.optional(),
      value: z.number().finite().optional(),
      threshold: z.number().finite().optional(),
    }),
  },
  instance_status: {
    topic: 'metrics',
    data: z.strictObject({
      /** The tenant instance whose reports started or stopped arriving (`metrics_update.instanceId`). */
      instanceId: text(100),
      status: z.enum(INSTANCE_STATUSES),
      /** When its latest report was taken (that report's timestamp). */
      lastReportAt: isoInstant(),
      /** The reporting interval learned from its reports, milliseconds. */
      intervalMs: z.number().int().positive().max(86_400_000),
    }),
  },
  presence_update: {
    topic: 'presence',
    data: z.strictObject({
      userId: text(200),
      userName: text(200),
      status: z.enum(PRESENCE_STATUSES),
      currentPage: storableString().max(200).optional(),
      lastSeen: isoInstant(),
    }),
  },
} as const satisfies Record<string, { topic: TenantTopic | AdminTopic; data: z.ZodType }>;

export type EventRegistry = typeof eventRegistry;
export type EventType = keyof EventRegistry;
export const EVENT_TYPES = Object.keys(eventRegistry) as EventType[];

/** What a producer sends as `data` (defaults not yet applied). */
export type EventDataInput<T extends EventType> = z.input<EventRegistry[T]['data']>;
/** `data` after validation. */
export type EventData<T extends EventType> = z.output<EventRegistry[T]['data']>;

/**
 * Which field of an event's `data` names the user it is about or by: the member whose presence changed,
 * the member who asked for a deployment. `GET /v1/history?userId=` matches these and nothing else: an
 * event names at most one of them, and no other type names a user (progress and the end of a
 * deployment are the deployer's; search by the deployment id to follow one).
 */
export const USER_SUBJECT_FIELDS = { presence_update: 'userId', deployment_start: 'requestedBy' } as const satisfies Partial<Record<string, string>>;

/** Types that may be published without a tenant (they go to `admin:<their topic>`). */
export const ADMIN_EVENT_TYPES = ['metrics_update', 'alert'] as const satisfies readonly EventType[];
export type AdminEventType = (typeof ADMIN_EVENT_TYPES)[number];
const ADMIN_CAPABLE: ReadonlySet<EventType> = new Set<EventType>(ADMIN_EVENT_TYPES);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(eventRegistry, value);
}

export function topicOf(type: EventType): TenantTopic | AdminTopic {
  return eventRegistry[type].topic;
}

/** The channel an event of `type` for `tenantId` goes to, or null when the pair is not allowed. */
export function channelOf(type: EventType, tenantId: string | undefined): string | null {
  if (tenantId === undefined) return ADMIN_CAPABLE.has(type) ? `admin:${topicOf(type)}` : null;
  return `${topicOf(type)}:${tenantId}`;
}

const uuid = z.uuid();

/** An event's envelope as a producer sends it, its `data` not checked yet (ingestEventSchema checks it). */
const ingestEnvelopeSchema = z.strictObject({
  id: uuid.optional(),
  type: z.string().min(1).max(64),
  tenantId: tenantIdSchema.optional(),
  data: z.unknown(),
  /** Normalised to UTC milliseconds (`toISOString`). */
  timestamp: isoInstant().optional(),
});
type IngestEnvelope = z.output<typeof ingestEnvelopeSchema>;

/** A problem with one field of an event, where it is (`data.progress`, say) and what is wrong. */
export interface IngestIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * What an envelope of the right shape must also be: a known type, a tenant where its channel needs one,
 * `data` valid for the type and at most MAX_EVENT_DATA_BYTES as JSON. The one implementation behind both
 * ingestEventSchema and parseIngestEvent. Returns the parsed `data` (defaults filled in) and its JSON
 * text, or null when an issue was reported.
 */
function checkIngestEvent(event: IngestEnvelope, report: (issue: IngestIssue) => void): { data: unknown; json: string; bytes: number } | null {
  if (!isEventType(event.type)) {
    report({ path: ['type'], message: `unknown event type; one of ${EVENT_TYPES.join(', ')}` });
    return null;
  }
  const channelMissing = channelOf(event.type, event.tenantId) === null;
  if (channelMissing) report({ path: ['tenantId'], message: `required for ${event.type}` });
  const parsed = eventRegistry[event.type].data.safeParse(event.data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) report({ ...issue, path: ['data', ...issue.path] });
    return null;
  }
  const json = JSON.stringify(parsed.data) ?? '';
  const bytes = utf8ByteLength(json);
  if (bytes > MAX_EVENT_DATA_BYTES) {
    report({ path: ['data'], message: `${bytes} bytes as JSON; at most ${MAX_EVENT_DATA_BYTES}` });
    return null;
  }
  return channelMissing ? null : { data: parsed.data, json, bytes };
}

/** One event as a producer sends it to `POST /v1/events`. `id` and `timestamp` are filled in when absent. */
export const ingestEventSchema = ingestEnvelopeSchema.superRefine((event, ctx) => {
  checkIngestEvent(event, (issue) => ctx.addIssue({ code: 'custom', ...issue } as never));
});

/**
 * ingestEventSchema's check, for the service's ingest: `data` parsed once (defaults filled in) and its
 * JSON text written and measured once, kept for the store and the size metric, instead of the schema's
 * check and a second parse.
 */
export function parseIngestEvent(
  candidate: unknown,
): { success: true; event: Omit<IngestEnvelope, 'type'> & { type: EventType }; dataJson: string; dataBytes: number } | { success: false; issues: IngestIssue[] } {
  const envelope = ingestEnvelopeSchema.safeParse(candidate);
  // A bad envelope: the schema's own answer, whose checks may still run and add issues of their own.
  if (!envelope.success) return { success: false, issues: ingestEventSchema.safeParse(candidate).error?.issues ?? envelope.error.issues };
  const issues: IngestIssue[] = [];
  const checked = checkIngestEvent(envelope.data, (issue) => issues.push(issue));
  if (!checked) return { success: false, issues };
  return { success: true, event: { ...envelope.data, type: envelope.data.type as EventType, data: checked.data }, dataJson: checked.json, dataBytes: checked.bytes };
}

/** Most events one request may carry. */
export const MAX_BATCH_EVENTS = 500;

export const ingestBodySchema = z.union([
  z.strictObject({ events: z.array(z.unknown()).min(1).max(MAX_BATCH_EVENTS) }),
  z.record(z.string(), z.unknown()),
]);

/** The envelope of every publication and every stored event. */
export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  tenantId?: string;
  data: EventData<T>;
  /** ISO 8601, set by the producer or the service. */
  timestamp: string;
  /**
   * Position of the event in its channel's durable stream, assigned by the relay in publish order.
   * Clients use it to order and de-duplicate, and to ask the history API for what they missed.
   */
  seq?: number;
}

export type AnyEventEnvelope = { [T in EventType]: EventEnvelope<T> }[EventType];

/** Validates one event's `data` against the registry, returning the parsed data with defaults. */
export function parseEventData<T extends EventType>(type: T, data: unknown): EventData<T> {
  return eventRegistry[type].data.parse(data) as EventData<T>;
}
