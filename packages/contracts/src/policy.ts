import { parseChannel, tenantChannel, userChannel, userKeyOf, type ParsedChannel, type TenantTopic } from './channels';
import { TENANT_ID_PATTERN } from './tenant';

/** Who is asking: the claims of a verified platform token, after the service's current access overrides. */
export interface Identity {
  /** User id (`sub`). */
  sub: string;
  name: string;
  /** The user's tenant; `null` for platform operators (and for users of no tenant, who see nothing). */
  tenantId: string | null;
  roles: readonly string[];
  permissions: readonly string[];
  /**
   * A platform operator: the token carries the operator role (`AUTH_OPERATOR_ROLE`) and NO tenant. Set
   * once, by whoever verified the token; a token naming a tenant is a member of it whatever its roles,
   * so a tenant-level "admin" role in a shared identity provider never becomes a cross-tenant operator.
   */
  operator: boolean;
}

/** The operator role unless `AUTH_OPERATOR_ROLE` says otherwise. */
export const DEFAULT_OPERATOR_ROLE = 'admin';

/** Whether a token's claims make a platform operator: the operator role and no tenant. */
export function isOperatorClaim(claims: { tenantId: string | null; roles: readonly string[] }, operatorRole = DEFAULT_OPERATOR_ROLE): boolean {
  return claims.tenantId === null && claims.roles.includes(operatorRole);
}

export const PERMISSIONS = [
  'deploy:read',
  'deploy:write',
  'billing:read',
  'metrics:read',
  'alerts:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** The permission each topic needs; `null` means membership of the tenant is enough. */
export const TOPIC_PERMISSION: Readonly<Record<TenantTopic, Permission | null>> = {
  deployments: 'deploy:read',
  billing: 'billing:read',
  metrics: 'metrics:read',
  alerts: 'alerts:read',
  presence: null,
};

/**
 * What a caller wants to do with a channel:
 * - `subscribe`: receive it live (subscription tokens);
 * - `read`: read its stored state or history over HTTP (read routes, history);
 * - `write`: act on it as a user (start a deployment, set one's own presence, mark notifications read).
 */
export type Action = 'subscribe' | 'read' | 'write';

export type DenialReason =
  | 'invalid_channel'
  | 'not_tenant_member'
  | 'missing_permission'
  | 'admin_only'
  | 'tenant_suspended'
  | 'other_user';

export type Decision =
  | { allowed: true; channel: ParsedChannel }
  | { allowed: false; reason: DenialReason; message: string };

/** Extra facts the policy needs that are not in the token. */
export interface PolicyContext {
  /** Tenants whose access is suspended by an operator. */
  isTenantSuspended?: (tenantId: string) => boolean;
}

/** The permission that `write` needs per topic (presence: only membership; one may set one's own status). */
const WRITE_PERMISSION: Readonly<Record<TenantTopic, Permission | null>> = {
  deployments: 'deploy:write',
  billing: 'billing:read',
  metrics: null,
  alerts: null,
  presence: null,
};

/** A platform operator (see `Identity.operator`); the tenant check again, so that no path can forget it. */
export function isOperator(identity: Pick<Identity, 'operator' | 'tenantId'>): boolean {
  return identity.operator === true && identity.tenantId === null;
}

/**
 * THE policy: the one function that decides whether `identity` may do `action` on `channel`.
 * Every door (subscription tokens, read routes, history, presence, anything added later) calls it.
 * Denial messages never say whether another tenant exists.
 */
export function authorize(identity: Identity, action: Action, channel: string, ctx: PolicyContext = {}): Decision {
  const parsed = parseChannel(channel);
  if (!parsed.ok) return deny('invalid_channel', `invalid channel: ${parsed.message}`);
  const ch = parsed.channel;
  // A user's own channel is theirs alone: not an operator's, not a teammate's.
  if (ch.kind === 'user') {
    if (isOperator(identity) || identity.tenantId === null || identity.tenantId !== ch.tenantId || !TENANT_ID_PATTERN.test(identity.tenantId)) {
      return deny('not_tenant_member', 'not a member of this tenant');
    }
    if (ctx.isTenantSuspended?.(ch.tenantId)) return deny('tenant_suspended', 'access to this tenant is suspended');
    if (ch.userKey !== userKeyOf(identity.sub)) return deny('other_user', 'this channel belongs to another user');
    return { allowed: true, channel: ch };
  }
  return decideStream(identity, action, ch, ctx);
}

/**
 * THE policy's decision for a topic of the identity's own tenant, exactly what `authorize` decides for
 * `tenantChannel(topic, tenantId)`. For the browser (what the UI shows): `authorize` also decides users'
 * own channels, which needs SHA-256 of the user id, and this one does not bring that into a page's
 * JavaScript. `null` tenant: not a member of any tenant.
 */
export function authorizeTopic(identity: Identity, action: Action, topic: TenantTopic, ctx: PolicyContext = {}): Decision {
  if (identity.tenantId === null || !TENANT_ID_PATTERN.test(identity.tenantId)) return deny('not_tenant_member', 'not a member of this tenant');
  const name = tenantChannel(topic, identity.tenantId);
  return decideStream(identity, action, { kind: 'tenant', name, topic, tenantId: identity.tenantId }, ctx);
}

/** `authorize` for a parsed tenant topic or admin channel (every kind but a user's own). */
function decideStream(identity: Identity, action: Action, ch: Exclude<ParsedChannel, { kind: 'user' }>, ctx: PolicyContext): Decision {
  if (isOperator(identity)) {
    // Operators read everything, but they are not members who act inside a tenant's streams.
    if (action === 'write' && ch.kind === 'tenant' && ch.topic !== 'deployments') {
      return deny('not_tenant_member', 'operators do not act as tenant members here');
    }
    return { allowed: true, channel: ch };
  }
  if (ch.kind === 'admin') return deny('admin_only', 'this channel is for platform operators');
  if (identity.tenantId === null || identity.tenantId !== ch.tenantId || !TENANT_ID_PATTERN.test(identity.tenantId)) {
    return deny('not_tenant_member', 'not a member of this tenant');
  }
  if (ctx.isTenantSuspended?.(ch.tenantId)) return deny('tenant_suspended', 'access to this tenant is suspended');
  const needed = action === 'write' ? WRITE_PERMISSION[ch.topic] : TOPIC_PERMISSION[ch.topic];
  if (needed !== null && !identity.permissions.includes(needed)) {
    return deny('missing_permission', `missing permission ${needed}`);
  }
  return { allowed: true, channel: ch };
}

/** The channels `identity` may subscribe to among the tenant's topics, the admin channels and their own channel. */
export function subscribableChannels(identity: Identity, ctx: PolicyContext = {}): string[] {
  const candidates: string[] = isOperator(identity) ? ['admin:metrics', 'admin:alerts'] : [];
  if (identity.tenantId !== null && TENANT_ID_PATTERN.test(identity.tenantId)) {
    for (const topic of Object.keys(TOPIC_PERMISSION) as TenantTopic[]) candidates.push(tenantChannel(topic, identity.tenantId));
    candidates.push(userChannel(identity.tenantId, identity.sub));
  }
  return candidates.filter((ch) => authorize(identity, 'subscribe', ch, ctx).allowed);
}

/**
 * The stored channels `identity` may read, for a history search without a channel: `'every'` for
 * platform operators (every tenant's and the admin channels: THE policy allows them all), otherwise the
 * tenant's topic channels that THE policy allows this member to read, never a hand-written list.
 */
export function readableChannels(identity: Identity, ctx: PolicyContext = {}): string[] | 'every' {
  if (isOperator(identity)) return 'every';
  const tenantId = identity.tenantId;
  if (tenantId === null || !TENANT_ID_PATTERN.test(tenantId)) return [];
  return (Object.keys(TOPIC_PERMISSION) as TenantTopic[])
    .map((topic) => tenantChannel(topic, tenantId))
    .filter((ch) => authorize(identity, 'read', ch, ctx).allowed);
}

function deny(reason: DenialReason, message: string): Decision {
  return { allowed: false, reason, message };
}
