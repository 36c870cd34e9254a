import { scryptSync, timingSafeEqual, randomBytes } from 'node:crypto';
import type { Identity, Permission } from '@neo/contracts';

/** Demo identities: two tenants, an operator, and users whose permissions differ. Only with `DEMO_LOGIN=on`. */
export interface DemoUser extends Identity {
  email: string;
}

const ALL: Permission[] = ['deploy:read', 'deploy:write', 'billing:read', 'metrics:read', 'alerts:read'];

/** The one password of every demo user (printed by `npm start`). */
export const DEMO_PASSWORD = 'demo1234';

export const DEMO_TENANTS = [
  { id: 'acme', name: 'Acme Industrial' },
  { id: 'globex', name: 'Globex Servicios' },
] as const;

export const DEMO_USERS: readonly DemoUser[] = [
  { sub: 'u-ana', email: 'ana@acme.test', name: 'Ana Torres', tenantId: 'acme', roles: ['owner'], permissions: ALL, operator: false },
  { sub: 'u-luis', email: 'luis@acme.test', name: 'Luis Pérez', tenantId: 'acme', roles: ['member'], permissions: ['deploy:read', 'metrics:read'], operator: false },
  { sub: 'u-sofia', email: 'sofia@globex.test', name: 'Sofía Ramírez', tenantId: 'globex', roles: ['owner'], permissions: ALL, operator: false },
  { sub: 'u-admin', email: 'admin@neo.test', name: 'Operador NEO', tenantId: null, roles: ['admin'], permissions: ALL, operator: true },
];

const salt = randomBytes(16);
const hash = (password: string) => scryptSync(password, salt, 32);
const demoHash = hash(DEMO_PASSWORD);

/** Finds a demo user by email and password; constant-time on the password. */
export function findDemoUser(email: string, password: string): DemoUser | undefined {
  const user = DEMO_USERS.find((u) => u.email === email.trim().toLowerCase());
  const ok = timingSafeEqual(hash(password), demoHash);
  return user && ok ? user : undefined;
}
