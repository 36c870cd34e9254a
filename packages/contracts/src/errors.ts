/**
 * The error catalogue: every error the service answers has a stable code, an HTTP status and a title.
 * Answers are RFC 9457 problem documents: `{type, title, status, detail, code, errors?}`.
 */
export const ERRORS = {
  ERR_VALIDATION: { status: 400, title: 'The request is not valid' },
  ERR_BAD_JSON: { status: 400, title: 'The body is not valid JSON' },
  ERR_UNKNOWN_EVENT_TYPE: { status: 400, title: 'Unknown event type' },
  ERR_INVALID_CHANNEL: { status: 400, title: 'Invalid channel name' },
  ERR_INVALID_CURSOR: { status: 400, title: 'Invalid cursor' },
  ERR_INGEST_KEY_MISSING: { status: 401, title: 'Missing ingest key' },
  ERR_INGEST_KEY_INVALID: { status: 401, title: 'Invalid ingest key' },
  ERR_AUTH_TOKEN_MISSING: { status: 401, title: 'Missing bearer token' },
  ERR_AUTH_TOKEN_MALFORMED: { status: 401, title: 'Malformed token' },
  ERR_AUTH_TOKEN_EXPIRED: { status: 401, title: 'Token expired' },
  ERR_AUTH_TOKEN_NOT_YET_VALID: { status: 401, title: 'Token not yet valid' },
  ERR_AUTH_TOKEN_INVALID: { status: 401, title: 'Invalid token' },
  ERR_AUTH_CLAIMS: { status: 401, title: 'Token claims are incomplete' },
  ERR_AUTH_TOKEN_REVOKED: { status: 401, title: 'Token revoked' },
  ERR_LOGIN_FAILED: { status: 401, title: 'Wrong email or password' },
  ERR_FORBIDDEN: { status: 403, title: 'Forbidden' },
  ERR_INGEST_SCOPE: { status: 403, title: 'Outside the ingest key’s scope' },
  ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  ERR_LOGIN_DISABLED: { status: 404, title: 'Demo login is disabled' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  ERR_REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  ERR_CONFLICT: { status: 409, title: 'Conflict' },
  ERR_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  ERR_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  ERR_HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  ERR_INTERNAL: { status: 500, title: 'Internal error' },
  ERR_CENTRIFUGO_UNAVAILABLE: { status: 503, title: 'The real-time server is unavailable' },
  ERR_DATABASE_UNAVAILABLE: { status: 503, title: 'The database is unavailable' },
  ERR_AUTH_KEYS_UNAVAILABLE: { status: 503, title: 'The identity provider’s keys are unavailable' },
  ERR_OVERLOADED: { status: 503, title: 'The service is busy' },
  ERR_SHUTTING_DOWN: { status: 503, title: 'The service is shutting down' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One failing field of a validation error. `path` is a JSON pointer-like dotted path (`data.progress`). */
export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  /** Denial rule for 403s (`missing_permission`, …). */
  reason?: string;
}

export const PROBLEM_TYPE_BASE = 'https://neo-stack.dev/problems/';

export function problemType(code: ErrorCode): string {
  return PROBLEM_TYPE_BASE + code.toLowerCase().replace(/^err_/, '').replaceAll('_', '-');
}
