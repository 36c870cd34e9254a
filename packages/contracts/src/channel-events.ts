import { parseChannel, type AdminChannel, type AdminTopic, type ParsedChannel, type TenantTopic, type USER_NAMESPACE } from './channels';
import { ADMIN_EVENT_TYPES, EVENT_TYPES, eventRegistry, type AdminEventType, type EventEnvelope, type EventRegistry, type EventType } from './events';
import type { ReadStateMessage } from './api';

/*
 * What each channel carries, derived from the event registry (each event type names its topic), so that
 * a subscriber gets its publications typed by the channel it subscribed to instead of casting `ctx.data`.
 *
 *   ChannelPublication<'deployments:acme'>  → EventEnvelope<'deployment_start' | … | 'deployment_error'>
 *   ChannelPublication<'admin:metrics'>     → EventEnvelope<'metrics_update'>
 *   ChannelPublication<'user:acme_…'>       → ReadStateMessage
 */

/** The event types the registry routes to `topic`. */
export type TopicEventType<P extends TenantTopic> = { [T in EventType]: EventRegistry[T]['topic'] extends P ? T : never }[EventType];

/** The envelope of any one of `types` (a union of envelopes, narrowed by `type`). */
export type EnvelopeOf<T extends EventType> = { [K in T]: EventEnvelope<K> }[T];

/** The event types published on `admin:<topic>` (only the types that may go without a tenant). */
export type AdminTopicEventType<P extends AdminTopic> = Extract<AdminEventType, TopicEventType<P>>;

/** Every kind of channel (a tenant topic, an admin channel, a user's own channel) and what it carries. */
export interface ChannelEventMap {
  deployments: EnvelopeOf<TopicEventType<'deployments'>>;
  billing: EnvelopeOf<TopicEventType<'billing'>>;
  metrics: EnvelopeOf<TopicEventType<'metrics'>>;
  alerts: EnvelopeOf<TopicEventType<'alerts'>>;
  presence: EnvelopeOf<TopicEventType<'presence'>>;
  'admin:metrics': EnvelopeOf<AdminTopicEventType<'metrics'>>;
  'admin:alerts': EnvelopeOf<AdminTopicEventType<'alerts'>>;
  /** A member's own channel: not events of the registry, only their read-state echo. */
  user: ReadStateMessage;
}
export type ChannelKind = keyof ChannelEventMap;

/** The kind of a channel name known at compile time (`deployments:acme` → `deployments`); every kind for a plain `string`. */
export type ChannelKindOf<C extends string> = string extends C
  ? ChannelKind
  : C extends AdminChannel
    ? C
    : C extends `${infer Head}:${string}`
      ? Head extends TenantTopic | typeof USER_NAMESPACE
        ? Head
        : never
      : never;

/** What a subscriber of channel `C` receives as `ctx.data`. */
export type ChannelPublication<C extends string> = ChannelEventMap[ChannelKindOf<C>];

const byTopic = (topic: TenantTopic): readonly EventType[] => EVENT_TYPES.filter((t) => eventRegistry[t].topic === topic);

/** The registry's event types per channel kind, at run time (the user channel carries none of them). */
export const CHANNEL_EVENT_TYPES: { readonly [K in ChannelKind]: readonly EventType[] } = {
  deployments: byTopic('deployments'),
  billing: byTopic('billing'),
  metrics: byTopic('metrics'),
  alerts: byTopic('alerts'),
  presence: byTopic('presence'),
  'admin:metrics': ADMIN_EVENT_TYPES.filter((t) => eventRegistry[t].topic === 'metrics'),
  'admin:alerts': ADMIN_EVENT_TYPES.filter((t) => eventRegistry[t].topic === 'alerts'),
  user: [],
};

/** The kind of a parsed channel. */
export function channelKindOf(channel: ParsedChannel): ChannelKind {
  return channel.kind === 'tenant' ? channel.topic : channel.kind === 'admin' ? channel.name : 'user';
}

/**
 * Whether `data` (a publication received on `channel`) has the frame of what that channel carries: an
 * event envelope of one of its types, or a read-state message on a user channel. Checks the frame, not
 * every field: the service validated `data` against the registry before it published it. False for a
 * channel name the strict parser refuses.
 */
export function isChannelPublication<C extends string>(channel: C, data: unknown): data is ChannelPublication<C> {
  const parsed = parseChannel(channel);
  if (!parsed.ok || typeof data !== 'object' || data === null) return false;
  const { type, id, data: payload } = data as { type?: unknown; id?: unknown; data?: unknown };
  const kind = channelKindOf(parsed.channel);
  if (kind === 'user') return type === 'notifications_read' && typeof payload === 'object' && payload !== null;
  return typeof id === 'string' && typeof payload === 'object' && payload !== null && (CHANNEL_EVENT_TYPES[kind] as readonly unknown[]).includes(type);
}

