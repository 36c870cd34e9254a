import { describe, expect, it } from 'vitest';
import { authorize, authorizeTopic, isOperatorClaim, TENANT_TOPICS, parseChannel, readableChannels, subscribableChannels, userChannel, userKeyOf, type Action, type Identity } from '@neo/contracts';

const ALL = ['deploy:read', 'deploy:write', 'billing:read', 'metrics:read', 'alerts:read'];
const ana: Identity = { sub: 'u-ana', name: 'Ana', tenantId: 'acme', roles: ['owner'], permissions: ALL, operator: false };
const luis: Identity = { sub: 'u-luis', name: 'Luis', tenantId: 'acme', roles: ['member'], permissions: ['deploy:read'], operator: false };
const admin: Identity = { sub: 'u-admin', name: 'Op', tenantId: null, roles: ['admin'], permissions: [], operator: true };
const orphan: Identity = { sub: 'u-x', name: 'X', tenantId: null, roles: [], permissions: ALL, operator: false };
/** A tenant-level "admin" role from a shared identity provider: a member of acme, not an operator. */
const tenantAdmin: Identity = { sub: 'u-ta', name: 'TA', tenantId: 'acme', roles: ['admin'], permissions: ALL, operator: isOperatorClaim({ tenantId: 'acme', roles: ['admin'] }) };
/** A forged flag on an identity that names a tenant: the policy checks the tenant again. */
const confused: Identity = { sub: 'u-c', name: 'C', tenantId: 'acme', roles: ['admin'], permissions: ALL, operator: true };

type Row = [string, Identity, Action, string, boolean, string?];
const table: Row[] = [
  ['member reads own deployments', ana, 'subscribe', 'deployments:acme', true],
  ['member reads another tenant', ana, 'subscribe', 'deployments:globex', false, 'not_tenant_member'],
  ['member reads another tenant history', ana, 'read', 'billing:globex', false, 'not_tenant_member'],
  ['member without billing:read', luis, 'subscribe', 'billing:acme', false, 'missing_permission'],
  ['member without metrics:read', luis, 'read', 'metrics:acme', false, 'missing_permission'],
  ['member without alerts:read', luis, 'subscribe', 'alerts:acme', false, 'missing_permission'],
  ['member with deploy:read', luis, 'subscribe', 'deployments:acme', true],
  ['member without deploy:write cannot start deployments', luis, 'write', 'deployments:acme', false, 'missing_permission'],
  ['member with deploy:write starts deployments', ana, 'write', 'deployments:acme', true],
  ['presence needs only membership', luis, 'subscribe', 'presence:acme', true],
  ['presence of another tenant', luis, 'subscribe', 'presence:globex', false, 'not_tenant_member'],
  ['non-admin on admin:metrics', ana, 'subscribe', 'admin:metrics', false, 'admin_only'],
  ['non-admin on admin:alerts', ana, 'read', 'admin:alerts', false, 'admin_only'],
  ['admin on admin:metrics', admin, 'subscribe', 'admin:metrics', true],
  ['admin reads any tenant', admin, 'read', 'billing:globex', true],
  ['user with no tenant', orphan, 'subscribe', 'deployments:acme', false, 'not_tenant_member'],
  ['user with no tenant and no operator role on admin:metrics', orphan, 'subscribe', 'admin:metrics', false, 'admin_only'],
  ['role admin WITH a tenant is a member: not another tenant', tenantAdmin, 'read', 'billing:globex', false, 'not_tenant_member'],
  ['role admin WITH a tenant is a member: not admin channels', tenantAdmin, 'subscribe', 'admin:metrics', false, 'admin_only'],
  ['twin: role admin WITH a tenant reads its own tenant', tenantAdmin, 'read', 'billing:acme', true],
  ['an operator flag on an identity with a tenant is ignored', confused, 'read', 'billing:globex', false, 'not_tenant_member'],
  ['malformed channel', ana, 'subscribe', 'deployments:acme:x', false, 'invalid_channel'],
  ['case trick', ana, 'subscribe', 'Deployments:acme', false, 'invalid_channel'],
];

describe('authorize (the one policy)', () => {
  it.each(table)('%s', (_label, identity, action, channel, allowed, reason) => {
    const decision = authorize(identity, action, channel);
    expect(decision.allowed).toBe(allowed);
    if (!decision.allowed) expect(decision.reason).toBe(reason);
  });

  it('refuses members of a suspended tenant, but not operators', () => {
    const ctx = { isTenantSuspended: (t: string) => t === 'acme' };
    expect(authorize(ana, 'subscribe', 'deployments:acme', ctx)).toMatchObject({ allowed: false, reason: 'tenant_suspended' });
    expect(authorize(admin, 'read', 'deployments:acme', ctx).allowed).toBe(true);
  });

  it('denial messages do not reveal whether another tenant exists', () => {
    const existing = authorize(ana, 'subscribe', 'deployments:globex');
    const missing = authorize(ana, 'subscribe', 'deployments:no-such-tenant');
    expect(existing).toEqual(missing);
  });

  it('lists what an identity may subscribe to, their own channel included', () => {
    expect(subscribableChannels(luis)).toEqual(['deployments:acme', 'presence:acme', userChannel('acme', 'u-luis')]);
    expect(subscribableChannels(admin)).toEqual(['admin:metrics', 'admin:alerts']);
  });

  it('lists what an identity may read in history: the stored topics it holds, every channel for operators', () => {
    expect(readableChannels(luis)).toEqual(['deployments:acme', 'presence:acme']);
    expect(readableChannels(ana)).toEqual(['deployments:acme', 'billing:acme', 'metrics:acme', 'alerts:acme', 'presence:acme']);
    expect(readableChannels(admin)).toBe('every');
    expect(readableChannels(ana, { isTenantSuspended: () => true })).toEqual([]);
  });

  it('authorizeTopic (what the browser asks) decides as authorize does for every topic of the identity’s own tenant', () => {
    const suspended = { isTenantSuspended: (t: string) => t === 'acme' };
    for (const identity of [ana, luis, tenantAdmin, confused]) {
      for (const action of ['subscribe', 'read', 'write'] as const) {
        for (const topic of TENANT_TOPICS) {
          for (const ctx of [{}, suspended]) expect(authorizeTopic(identity, action, topic, ctx)).toEqual(authorize(identity, action, `${topic}:acme`, ctx));
        }
      }
    }
    // No tenant, no topic of one: an operator or an orphan is not a member.
    expect(authorizeTopic(admin, 'read', 'billing')).toMatchObject({ allowed: false, reason: 'not_tenant_member' });
    expect(authorizeTopic(orphan, 'read', 'deployments')).toMatchObject({ allowed: false, reason: 'not_tenant_member' });
  });
});

describe('a user’s own channel', () => {
  const anaChannel = userChannel('acme', 'u-ana');

  it('is named by tenant and a hash of the user id, whatever characters the id holds', () => {
    expect(anaChannel).toBe(`user:acme_${userKeyOf('u-ana')}`);
    expect(userKeyOf('u-ana')).toMatch(/^[0-9a-f]{32}$/);
    expect(userKeyOf('auth0|ana.lopez@acme.test')).toMatch(/^[0-9a-f]{32}$/);
    expect(userKeyOf('u-ana')).not.toBe(userKeyOf('u-luis'));
    expect(parseChannel(userChannel('a-b-c', 'x:y#z'))).toMatchObject({ ok: true, channel: { kind: 'user', tenantId: 'a-b-c' } });
    for (const bad of ['user:acme', 'user:acme_', 'user:acme_xyz', `user:_${userKeyOf('u')}`, `user:ACME_${userKeyOf('u')}`, `user:acme_${userKeyOf('u')}_x`]) expect(parseChannel(bad).ok, bad).toBe(false);
  });

  it.each<[string, Identity, boolean, string?]>([
    ['its user', ana, true],
    ['a teammate', luis, false, 'other_user'],
    ['another tenant', { ...ana, sub: 'u-ana', tenantId: 'globex' }, false, 'not_tenant_member'],
    ['an operator', admin, false, 'not_tenant_member'],
  ])('%s', (_label, identity, allowed, reason) => {
    for (const action of ['subscribe', 'read'] as const) {
      const decision = authorize(identity, action, anaChannel);
      expect(decision.allowed).toBe(allowed);
      if (!decision.allowed) expect(decision.reason).toBe(reason);
    }
  });

  it('is closed while the tenant is suspended', () => {
    expect(authorize(ana, 'subscribe', anaChannel, { isTenantSuspended: (t) => t === 'acme' })).toMatchObject({ allowed: false, reason: 'tenant_suspended' });
  });
});
