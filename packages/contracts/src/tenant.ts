/** A tenant id: lower-case ASCII letters, digits and dashes, 1–63 characters, not starting with a dash. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The same rule as a string, for Centrifugo's `channel_regex` and JSON Schema `pattern`. */
export const TENANT_ID_REGEX_SOURCE = '^[a-z0-9][a-z0-9-]{0,62}$';

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID_PATTERN.test(value);
}
