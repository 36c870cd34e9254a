/** A tenant id: lower-case ASCII letters, digits and dashes, 1–63 characters, not starting with a dash. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The same rule as a string, for Centrifugo's `channel_regex` and JSON Schema `pattern`. */
export const TENANT_ID_REGEX_SOURCE = TENANT_ID_PATTERN.source;

/** The rule in words, for the people who read a refusal. */
export const TENANT_ID_RULE = `1–63 lower-case letters, digits or "-", not starting with "-" (${TENANT_ID_REGEX_SOURCE})`;

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID_PATTERN.test(value);
}
