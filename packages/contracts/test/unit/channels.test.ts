import { describe, expect, it } from 'vitest';
import { parseChannel, tenantChannel, TENANT_TOPICS } from '@neo/contracts';

describe('parseChannel', () => {
  it.each(TENANT_TOPICS.map((t) => [`${t}:acme`, t]))('accepts %s', (name, topic) => {
    expect(parseChannel(name)).toEqual({ ok: true, channel: { kind: 'tenant', name, topic, tenantId: 'acme' } });
  });

  it('accepts the admin channels', () => {
    expect(parseChannel('admin:metrics')).toMatchObject({ ok: true, channel: { kind: 'admin', topic: 'metrics' } });
    expect(parseChannel('admin:alerts')).toMatchObject({ ok: true, channel: { kind: 'admin', topic: 'alerts' } });
  });

  const refused: Array<[string, unknown, string]> = [
    ['empty', '', 'empty'],
    ['not a string', 42, 'empty'],
    ['upper-case topic', 'Deployments:acme', 'unknown_topic'],
    ['upper-case tenant', 'deployments:ACME', 'invalid_tenant'],
    ['extra segment', 'deployments:acme:x', 'bad_shape'],
    ['no tenant segment', 'deployments', 'bad_shape'],
    ['empty tenant', 'deployments:', 'invalid_tenant'],
    ['user boundary #', 'deployments:acme#u1', 'reserved_character'],
    ['private prefix $', '$deployments:acme', 'reserved_character'],
    ['wildcard *', 'deployments:*', 'reserved_character'],
    ['dot-dot', 'deployments:..', 'reserved_character'],
    ['space', 'deployments: acme', 'not_ascii'],
    ['non-ASCII', 'deployments:acmé', 'not_ascii'],
    ['over-long', `deployments:${'a'.repeat(200)}`, 'too_long'],
    ['tenant too long for the rule', `deployments:${'a'.repeat(64)}`, 'invalid_tenant'],
    ['tenant starting with a dash', 'deployments:-acme', 'invalid_tenant'],
    ['unknown topic', 'secrets:acme', 'unknown_topic'],
    ['unknown admin channel', 'admin:users', 'unknown_topic'],
    ['slash', 'deployments:acme/x', 'reserved_character'],
    ['ampersand', 'deployments:acme&x', 'reserved_character'],
    ['comma', 'deployments:acme,globex', 'reserved_character'],
    ['tab', 'deployments:\tacme', 'not_ascii'],
  ];
  it.each(refused)('refuses %s', (_label, name, error) => {
    expect(parseChannel(name)).toMatchObject({ ok: false, error });
  });
});

describe('tenantChannel', () => {
  it('builds topic-first names', () => expect(tenantChannel('billing', 'globex')).toBe('billing:globex'));
  it('throws on an invalid tenant id', () => expect(() => tenantChannel('billing', 'Bad Tenant')).toThrow(TypeError));
});
