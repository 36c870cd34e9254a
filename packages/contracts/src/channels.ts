import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { TENANT_ID_PATTERN } from './tenant';

/**
 * Channels are named topic first (`deployments:acme`) so that each topic is its own Centrifugo
 * namespace, with its own history, recovery and presence options.
 */
export const TENANT_TOPICS = ['deployments', 'billing', 'metrics', 'alerts', 'presence'] as const;
export type TenantTopic = (typeof TENANT_TOPICS)[number];

export const ADMIN_CHANNELS = ['admin:metrics', 'admin:alerts'] as const;
export type AdminChannel = (typeof ADMIN_CHANNELS)[number];
export type AdminTopic = 'metrics' | 'alerts';

/** Longest channel name accepted anywhere (Centrifugo's own limit is 255). */
export const MAX_CHANNEL_LENGTH = 128;

/**
 * A member's own channel, `user:{tenantId}_{userKey}`: what concerns one person only (their notification
 * read state, reaching their other devices). Not a topic: nothing is stored for it, only relayed.
 */
export const USER_NAMESPACE = 'user';
/** `userKey`: 32 hex digits of SHA-256 of the user id (any printable id fits, and the name does not show it). */
const USER_KEY_PATTERN = /^[0-9a-f]{32}$/;

export type ParsedChannel =
  | { kind: 'tenant'; name: string; topic: TenantTopic; tenantId: string }
  | { kind: 'admin'; name: AdminChannel; topic: AdminTopic }
  | { kind: 'user'; name: string; tenantId: string; userKey: string };

export type ChannelParseError =
  | 'empty'
  | 'too_long'
  | 'not_ascii'
  | 'reserved_character'
  | 'unknown_topic'
  | 'bad_shape'
  | 'invalid_tenant';

export type ChannelParseResult =
  | { ok: true; channel: ParsedChannel }
  | { ok: false; error: ChannelParseError; message: string };

const TOPIC_SET: ReadonlySet<string> = new Set(TENANT_TOPICS);
// Printable ASCII only; Centrifugo's special characters and anything a path or glob could use are
// refused before the name is even split.
const RESERVED = /[#$*&/\\?%.\s,]/;

export function isTenantTopic(value: string): value is TenantTopic {
  return TOPIC_SET.has(value);
}

/** Builds a tenant channel; throws on an invalid tenant id (a programming error, not user input). */
export function tenantChannel<P extends TenantTopic>(topic: P, tenantId: string): `${P}:${string}` {
  if (!TENANT_ID_PATTERN.test(tenantId)) throw new TypeError(`invalid tenant id: ${JSON.stringify(tenantId)}`);
  return `${topic}:${tenantId}`;
}

/**
 * The key of a user's own channel: the first 128 bits of SHA-256 of their id, in hex. A hash because
 * ids from an identity provider may hold characters a channel name may not (`.`, `:`, `#`, `|`, …) and
 * may be long; SHA-256 from @noble/hashes because it is synchronous in the browser too (WebCrypto is not).
 */
export function userKeyOf(userId: string): string {
  return bytesToHex(sha256(utf8ToBytes(userId))).slice(0, 32);
}

/** A member's own channel; throws on an invalid tenant id (a programming error, not user input). */
export function userChannel(tenantId: string, userId: string): `${typeof USER_NAMESPACE}:${string}` {
  if (!TENANT_ID_PATTERN.test(tenantId)) throw new TypeError(`invalid tenant id: ${JSON.stringify(tenantId)}`);
  return `${USER_NAMESPACE}:${tenantId}_${userKeyOf(userId)}`;
}

export function adminChannel(topic: AdminTopic): AdminChannel {
  return `admin:${topic}`;
}

/**
 * The strict channel parser: every channel name from outside goes through it. Exactly two segments,
 * lower case, a known topic, and a tenant id that matches the tenant rule; nothing else.
 */
export function parseChannel(name: unknown): ChannelParseResult {
  if (typeof name !== 'string' || name.length === 0) return fail('empty', 'channel is empty');
  if (name.length > MAX_CHANNEL_LENGTH) return fail('too_long', `channel is longer than ${MAX_CHANNEL_LENGTH} characters`);
  if (!/^[\x21-\x7e]+$/.test(name)) return fail('not_ascii', 'channel must be printable ASCII without spaces');
  if (RESERVED.test(name)) return fail('reserved_character', 'channel contains a reserved character');
  const parts = name.split(':');
  if (parts.length !== 2) return fail('bad_shape', 'channel must be "<topic>:<tenantId>" or "admin:<topic>"');
  const [head, tail] = parts as [string, string];
  if (head === 'admin') {
    if (tail === 'metrics' || tail === 'alerts') return { ok: true, channel: { kind: 'admin', name: `admin:${tail}`, topic: tail } };
    return fail('unknown_topic', 'unknown admin channel');
  }
  if (head === USER_NAMESPACE) {
    const cut = tail.lastIndexOf('_');
    const tenantId = tail.slice(0, cut);
    const userKey = tail.slice(cut + 1);
    if (cut < 0 || !USER_KEY_PATTERN.test(userKey)) return fail('bad_shape', 'a user channel is "user:<tenantId>_<userKey>"');
    if (!TENANT_ID_PATTERN.test(tenantId)) return fail('invalid_tenant', 'tenant id is not valid');
    return { ok: true, channel: { kind: 'user', name, tenantId, userKey } };
  }
  if (!isTenantTopic(head)) return fail('unknown_topic', 'unknown topic');
  if (tail.length === 0) return fail('invalid_tenant', 'tenant id is empty');
  if (!TENANT_ID_PATTERN.test(tail)) return fail('invalid_tenant', 'tenant id is not valid');
  return { ok: true, channel: { kind: 'tenant', name, topic: head, tenantId: tail } };
}

function fail(error: ChannelParseError, message: string): ChannelParseResult {
  return { ok: false, error, message };
}
