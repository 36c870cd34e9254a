import { describe, expect, it } from 'vitest';
import { ALERT_MESSAGE_CODES, DEPLOYMENT_ERROR_CODES, type ReadStateMessage } from '@neo/contracts';
import { applyReadState } from '../../app/utils/read-state';
import { NoticeLimiter, presenceNotices } from '../../app/utils/presence-notices';
import { messageKeyOf } from '../../app/composables/useMessageText';
import esMX from '../../app/i18n/es-MX';
import en from '../../app/i18n/en';

const read = (data: ReadStateMessage['data']): ReadStateMessage => ({ type: 'notifications_read', tenantId: 'acme', data, timestamp: '2026-12-02T00:00:00.000Z' });
// Newest first, as the list shows them.
const list = () => ['n5', 'n4', 'n3', 'n2', 'n1'].map((id) => ({ id, read: false }));

describe('applyReadState', () => {
  it('marks the ids of a one-by-one mark and takes the unread count of the message', () => {
    const result = applyReadState(list(), 0, read({ ids: ['n4'], unreadCount: 4, version: 1 }), false);
    expect(result).toMatchObject({ applied: true, unreadCount: 4, version: 1, complete: true });
    if (!result.applied) throw new Error('not applied');
    expect(result.items.filter((n) => n.read).map((n) => n.id)).toEqual(['n4']);
  });

  it('a read-all reads upTo and everything older; newer ones stay unread', () => {
    const result = applyReadState(list(), 3, read({ ids: [], upTo: 'n3', unreadCount: 2, version: 4 }), false);
    if (!result.applied) throw new Error('not applied');
    expect(result.items.map((n) => n.read)).toEqual([false, false, true, true, true]);
    expect(result.complete).toBe(true);
  });

  it('ignores a version at or below the last applied (late or repeated messages)', () => {
    expect(applyReadState(list(), 4, read({ ids: ['n1'], unreadCount: 0, version: 4 }), false)).toEqual({ applied: false });
    expect(applyReadState(list(), 5, read({ ids: ['n1'], unreadCount: 0, version: 2 }), false)).toEqual({ applied: false });
  });

  it('asks for a reload when the read-all boundary is not in the list; drops read items from an unread-only view', () => {
    const missing = applyReadState(list(), 0, read({ ids: [], upTo: 'n0-not-loaded', unreadCount: 0, version: 1 }), false);
    expect(missing).toMatchObject({ applied: true, complete: false });
    const unreadOnly = applyReadState(list(), 0, read({ ids: ['n5', 'n1'], unreadCount: 3, version: 1 }), true);
    if (!unreadOnly.applied) throw new Error('not applied');
    expect(unreadOnly.items.map((n) => n.id)).toEqual(['n4', 'n3', 'n2']);
  });
});

describe('presence notices', () => {
  const m = (userId: string, online: boolean) => ({ userId, userName: userId.toUpperCase(), online });

  it('announces who came and who went, never me, and nobody who appears already offline', () => {
    const previous = new Map([['u-a', true], ['u-b', false], ['u-me', false]]);
    const notices = presenceNotices(previous, [m('u-a', false), m('u-b', true), m('u-me', true), m('u-new', true), m('u-old', false)], 'u-me');
    expect(notices).toEqual([
      { kind: 'left', userId: 'u-a', userName: 'U-A' },
      { kind: 'joined', userId: 'u-b', userName: 'U-B' },
      { kind: 'joined', userId: 'u-new', userName: 'U-NEW' },
    ]);
    expect(presenceNotices(new Map([['u-a', true]]), [m('u-a', true)], null)).toEqual([]);
  });

  it('rate-limits: one notice of a kind per person per minute, at most three in ten seconds', () => {
    const limiter = new NoticeLimiter();
    const joined = (userId: string) => ({ kind: 'joined' as const, userId, userName: userId });
    expect(limiter.allow(joined('a'), 0)).toBe(true);
    expect(limiter.allow(joined('a'), 30_000)).toBe(false);
    expect(limiter.allow({ kind: 'left', userId: 'a', userName: 'a' }, 30_001)).toBe(true);
    expect(limiter.allow(joined('a'), 60_000)).toBe(true);
    // A burst: three pass, the fourth waits for the window.
    expect([joined('b'), joined('c'), joined('d')].map((n) => limiter.allow(n, 100_000))).toEqual([true, true, true]);
    expect(limiter.allow(joined('e'), 100_001)).toBe(false);
    expect(limiter.allow(joined('e'), 110_001)).toBe(true);
  });
});

describe('message codes', () => {
  it('every code the service and the deployer send is worded in both languages, with the same parameters', () => {
    const params = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort();
    for (const [prefix, codes] of [['alert.code', ALERT_MESSAGE_CODES], ['deployments.errorCode', DEPLOYMENT_ERROR_CODES]] as const) {
      for (const code of codes) {
        const key = messageKeyOf(prefix, code);
        expect(key, `${prefix}.${code}`).not.toBeNull();
        expect(params(en[key!])).toEqual(params(esMX[key!]));
      }
    }
    expect(messageKeyOf('alert.code', 'backup_window_started')).toBeNull();
    expect(messageKeyOf('alert.code', 'toString')).toBeNull();
    expect(messageKeyOf('deployments.errorCode', null)).toBeNull();
  });
});
