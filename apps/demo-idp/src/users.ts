/**
 * The demo identities as an identity provider holds them: the same people, tenants and permissions as
 * the event service's demo login (`apps/event-service/src/auth/demo-users.ts`), so both modes show the same
 * portal. A copy of data, not of an algorithm: apps do not import from each other.
 */
export interface IdpUser {
  sub: string;
  email: string;
  name: string;
  tenantId: string | null;
  roles: string[];
  permissions: string[];
}

const ALL = ['deploy:read', 'deploy:write', 'billing:read', 'metrics:read', 'alerts:read'];

/** The one password of every demo user. */
export const DEMO_PASSWORD = 'demo1234';

export const IDP_USERS: readonly IdpUser[] = [
  { sub: 'u-ana', email: 'ana@acme.test', name: 'Ana Torres', tenantId: 'acme', roles: ['owner'], permissions: ALL },
  { sub: 'u-luis', email: 'luis@acme.test', name: 'Luis Pérez', tenantId: 'acme', roles: ['member'], permissions: ['deploy:read', 'metrics:read'] },
  { sub: 'u-sofia', email: 'sofia@globex.test', name: 'Sofía Ramírez', tenantId: 'globex', roles: ['owner'], permissions: ALL },
  { sub: 'u-admin', email: 'admin@neo.test', name: 'Operador NEO', tenantId: null, roles: ['admin'], permissions: ALL },
];
