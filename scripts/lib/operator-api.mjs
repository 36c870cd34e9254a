// Local tooling talks to the operator API like any operator would: with a short-lived operator token.
// Node's standard library only.
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const b64url = (v) => Buffer.from(v).toString('base64url');

/**
 * A 5-minute platform-operator token signed with the local AUTH_JWT_SECRET (operator role, no tenant).
 * Only for development setups whose identity is the HS256 secret.
 * @param {string} secret
 */
export function localOperatorToken(secret, role = process.env.AUTH_OPERATOR_ROLE || 'admin') {
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: 'local-setup', name: 'npm start', tenantId: null, roles: [role], permissions: [], iat: now, exp: now + 300 }))}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** What the demo deployer publishes, for the demo tenants: a producer's key, not a bootstrap key. */
export const DEMO_DEPLOYER_EVENT_TYPES = [
  'deployment_start', 'deployment_progress', 'deployment_complete', 'deployment_error',
  'billing_invoice', 'billing_payment', 'billing_plan_change', 'billing_usage_alert', 'billing_subscription',
  'metrics_update', 'alert',
];

/**
 * A scoped ingest key for the demo deployer, created through the operator API once and kept in
 * `stateFile`; reused on later starts while the service still lists it as active (idempotent).
 * @param {{ serviceUrl: string, jwtSecret: string, stateFile: string, tenants: string[] }} o
 * @returns {Promise<string>} the key
 */
export async function demoDeployerKey(o) {
  const headers = { authorization: `Bearer ${localOperatorToken(o.jwtSecret)}`, 'content-type': 'application/json' };
  if (existsSync(o.stateFile)) {
    const saved = JSON.parse(readFileSync(o.stateFile, 'utf8'));
    const res = await fetch(`${o.serviceUrl}/v1/admin/ingest-keys`, { headers });
    if (!res.ok) throw new Error(`listing ingest keys: HTTP ${res.status}`);
    const { items } = await res.json();
    const active = items.find((k) => k.id === saved.id && !k.revokedAt);
    if (active && o.tenants.every((t) => active.tenants.includes(t))) return saved.key;
  }
  const res = await fetch(`${o.serviceUrl}/v1/admin/ingest-keys`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'demo-deployer', eventTypes: DEMO_DEPLOYER_EVENT_TYPES, tenants: o.tenants }),
  });
  if (res.status !== 201) throw new Error(`creating the demo deployer's ingest key: HTTP ${res.status} ${await res.text()}`);
  const created = await res.json();
  writeFileSync(o.stateFile, JSON.stringify({ id: created.id, key: created.key }, null, 2) + '\n', { mode: 0o600 });
  return created.key;
}
