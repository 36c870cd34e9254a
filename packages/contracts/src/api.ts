import { isOperator, type Identity } from './policy';
import type { AlertSeverity, AnyEventEnvelope, InstanceStatus, PresenceStatus } from './events';

/** A position in a Centrifugo channel stream: `offset` within `epoch`. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface PublicUser {
  id: string;
  name: string;
  email: string;
  tenantId: string | null;
  roles: string[];
  permissions: string[];
  /** A platform operator (operator role and no tenant): sees every tenant and the admin screens. */
  operator: boolean;
}

export interface LoginResponse {
  token: string;
  /** Seconds until the platform token expires. */
  expiresIn: number;
  user: PublicUser;
}

export interface TokenResponse {
  token: string;
  /** Seconds until this token expires. */
  expiresIn: number;
}

export interface AcceptedEvent {
  id: string;
  channel: string;
}

export interface IngestResponse {
  accepted: AcceptedEvent[];
}

export interface MeResponse {
  user: PublicUser;
  /** Channels the caller may subscribe to right now. */
  channels: string[];
}

export function publicUserOf(identity: Identity, email = ''): PublicUser {
  return {
    id: identity.sub,
    name: identity.name,
    email,
    tenantId: identity.tenantId,
    roles: [...identity.roles],
    permissions: [...identity.permissions],
    operator: isOperator(identity),
  };
}

/** A member of a tenant as `GET /v1/tenants/{tenantId}/presence` returns them. */
export interface PresenceMember {
  userId: string;
  userName: string;
  status: PresenceStatus;
  currentPage: string | null;
  lastSeen: string;
  /** Open connections (tabs, devices) now; 0 = offline. */
  connections: number;
}

/** An alert as the alert routes return it (`GET /v1/admin/alerts`, `GET /v1/tenants/{tenantId}/alerts`). */
export interface AlertView {
  alertId: string;
  rule: string;
  severity: AlertSeverity;
  state: 'open' | 'resolved';
  /** English fallback text; people read `code` worded with `params` in their language. */
  message: string;
  /** The message code (ALERT_MESSAGE_CODES for the service's own rules); null from producers that send none. */
  code?: string | null;
  params?: Record<string, string | number> | null;
  value: number | null;
  threshold: number | null;
  tenantId: string | null;
  instanceId: string | null;
  openedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

/** One of a tenant's instances as `GET /v1/tenants/{tenantId}/metrics/instances` returns it (latest sample). */
export interface InstanceMetricsView {
  instanceId: string;
  /** The product, when the instance came from a deployment the platform knows. */
  instanceType: string | null;
  cpu: number;
  memory: number;
  disk: number;
  /** Bytes per second. */
  networkIn: number;
  /** Bytes per second. */
  networkOut: number;
  /** Seconds. */
  uptime: number;
  /** When the latest sample was taken (its timestamp). */
  updatedAt: string;
  /** Whether it reports: online, stale (missed a few reports), offline (missed many); see instanceStatusAt. */
  status: InstanceStatus;
  /** When the latest sample reached the service (the service's clock: what staleness is measured from). */
  receivedAt: string;
  /** Its reporting interval learned from its samples, ms; null until a second sample. */
  intervalMs: number | null;
}

/** One event of `GET /v1/history`: the stored envelope and the channel it was published on. */
export type HistoryItem = AnyEventEnvelope & { channel: string };

/**
 * What `user:{tenantId}_{userKey}` carries when the user marks notifications read on one device, so that
 * their other devices update the list and the badge without a reload. Apply only a `version` above the
 * last one applied (versions follow the marks' commit order); `unreadCount` is then exact as of that mark
 * (billing notifications arriving later add to it as usual).
 */
export interface ReadStateMessage {
  type: 'notifications_read';
  tenantId: string;
  data: {
    /** Notifications marked read one by one. */
    ids: string[];
    /** Read-all: this notification and every older one are read (null: the tenant had none). Absent for one-by-one marks. */
    upTo?: string | null;
    unreadCount: number;
    version: number;
  };
  /** ISO 8601, when the mark was made. */
  timestamp: string;
}
