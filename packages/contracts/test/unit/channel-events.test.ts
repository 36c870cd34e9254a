import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  adminChannel,
  CHANNEL_EVENT_TYPES,
  channelKindOf,
  channelOf,
  EVENT_TYPES,
  isChannelPublication,
  parseChannel,
  tenantChannel,
  userChannel,
  type ChannelPublication,
  type EventEnvelope,
  type ReadStateMessage,
} from '@neo/contracts';

describe('the channel → event map', () => {
  it('lists, for each channel kind, exactly the types channelOf routes there', () => {
    for (const type of EVENT_TYPES) {
      for (const tenantId of ['acme', undefined]) {
        const channel = channelOf(type, tenantId);
        if (channel === null) continue;
        const parsed = parseChannel(channel);
        if (!parsed.ok) throw new Error(`channelOf built an invalid channel ${channel}`);
        expect(CHANNEL_EVENT_TYPES[channelKindOf(parsed.channel)]).toContain(type);
      }
    }
    const listed = Object.entries(CHANNEL_EVENT_TYPES).flatMap(([kind, types]) => types.map((type) => [kind, type] as const));
    for (const [kind, type] of listed) {
      const channel = kind.startsWith('admin:') ? channelOf(type, undefined) : channelOf(type, 'acme');
      expect(channel === null ? null : channelKindOf((parseChannel(channel) as { ok: true; channel: never }).channel), `${type} listed under ${kind}`).toBe(kind);
    }
    expect(CHANNEL_EVENT_TYPES['admin:metrics']).toEqual(['metrics_update']);
    expect(CHANNEL_EVENT_TYPES.metrics).toEqual(['metrics_update', 'instance_status']);
  });

  it('types publications by the channel they arrive on', () => {
    expectTypeOf<ChannelPublication<'deployments:acme'>['type']>().toEqualTypeOf<'deployment_start' | 'deployment_progress' | 'deployment_complete' | 'deployment_error'>();
    expectTypeOf<ChannelPublication<'admin:alerts'>>().toEqualTypeOf<EventEnvelope<'alert'>>();
    expectTypeOf<ChannelPublication<'presence:acme'>>().toEqualTypeOf<EventEnvelope<'presence_update'>>();
    const user = userChannel('acme', 'u-1');
    expectTypeOf<ChannelPublication<typeof user>>().toEqualTypeOf<ReadStateMessage>();
    expect(user.startsWith('user:acme_')).toBe(true);
    const billing = tenantChannel('billing', 'acme');
    expectTypeOf<ChannelPublication<typeof billing>['type']>().toEqualTypeOf<'billing_invoice' | 'billing_payment' | 'billing_plan_change' | 'billing_usage_alert' | 'billing_subscription'>();
    expectTypeOf<ChannelPublication<typeof billing>>().not.toEqualTypeOf<ChannelPublication<string>>();
    expect(billing).toBe('billing:acme');
  });

  it('recognises a publication of the channel and refuses one of another', () => {
    const progress = { id: '0190a0e0-0000-7000-8000-000000000001', type: 'deployment_progress', tenantId: 'acme', data: { deploymentId: 'd', progress: 5, currentStep: 's' }, timestamp: '2026-12-01T00:00:00.000Z' };
    expect(isChannelPublication('deployments:acme', progress)).toBe(true);
    expect(isChannelPublication('billing:acme', progress)).toBe(false);
    expect(isChannelPublication(adminChannel('metrics'), { ...progress, type: 'metrics_update' })).toBe(true);
    expect(isChannelPublication(adminChannel('metrics'), { ...progress, type: 'instance_status' })).toBe(false);
    expect(isChannelPublication('deployments:ACME', progress)).toBe(false);
    expect(isChannelPublication('deployments:acme', { ...progress, data: null })).toBe(false);
    expect(isChannelPublication('deployments:acme', 'deployment_progress')).toBe(false);
    const read = { type: 'notifications_read', tenantId: 'acme', data: { ids: [], unreadCount: 0, version: 1 }, timestamp: '2026-12-01T00:00:00.000Z' };
    expect(isChannelPublication(userChannel('acme', 'u-1'), read)).toBe(true);
    expect(isChannelPublication(userChannel('acme', 'u-1'), progress)).toBe(false);
  });
});
