import { createHash, randomBytes } from 'node:crypto';
import { ANY, ingestScopeAllows, type IngestKeyScope } from '@neo/contracts';
import { AppError } from '../errors';

/** Who is publishing: a producer's key (scoped), or a bootstrap key from `INGEST_API_KEYS` (full scope). */
export interface IngestPrincipal {
  /** The key's id (`bootstrap-1`, … for bootstrap keys); rate limits, metrics and the audit log use it. */
  id: string;
  name: string;
  scope: IngestKeyScope;
}

export const FULL_SCOPE: IngestKeyScope = Object.freeze({ eventTypes: [ANY], tenants: [ANY] }) as IngestKeyScope;

/** Prefix of generated keys, so a leaked one is recognisable by secret scanners. */
const KEY_PREFIX = 'nsk_';

/** A new ingest key: 256 random bits. */
export function generateIngestKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * How a key is stored and looked up. SHA-256 rather than a slow password hash on purpose: keys are 256
 * random bits, so there is nothing to brute-force, and the hash is on the ingest hot path.
 */
export function hashIngestKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The tenants a principal may act for (deployment requests it may claim); null means all of them. */
export function tenantsOf(principal: IngestPrincipal): readonly string[] | null {
  return principal.scope.tenants.includes(ANY) ? null : principal.scope.tenants;
}

/**
 * Refuses the WHOLE request when one event is outside the key's scope, naming every offending index,
 * before anything is stored.
 */
export function assertInScope(principal: IngestPrincipal, events: ReadonlyArray<{ type: string; tenantId?: string }>, batch: boolean): void {
  const outside: Array<{ path: string; message: string }> = [];
  events.forEach((e, i) => {
    if (ingestScopeAllows(principal.scope, e.type, e.tenantId)) return;
    const path = batch ? `events.${i}` : '(root)';
    const typeOk = principal.scope.eventTypes.includes(ANY) || principal.scope.eventTypes.includes(e.type as never);
    const message = !typeOk
      ? `event type ${e.type} is outside this key's scope`
      : e.tenantId === undefined
        ? `operator channels (admin:*) need a key scoped to all tenants`
        : `tenant ${e.tenantId} is outside this key's scope`;
    outside.push({ path, message });
  });
  if (outside.length === 0) return;
  const where = batch ? ` (${outside.slice(0, 5).map((o) => o.path).join(', ')}${outside.length > 5 ? ', …' : ''})` : '';
  throw new AppError('ERR_INGEST_SCOPE', `${outside.length === 1 ? 'an event is' : `${outside.length} events are`} outside the scope of key "${principal.name}"${where}; nothing was stored`, { errors: outside });
}
