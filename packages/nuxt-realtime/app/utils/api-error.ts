import { ERRORS, type ErrorCode, type ProblemDocument } from '@neo/contracts';
import type { MessageKey } from '../i18n/es-MX';

/**
 * A non-2xx answer of the event service. `problem` is its RFC 9457 document when the body was one;
 * otherwise a stand-in built from the status, so callers can always read `problem.detail`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDocument;

  constructor(status: number, problem: ProblemDocument) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

function isProblemDocument(value: unknown): value is ProblemDocument {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.title === 'string' && typeof record.status === 'number' && typeof record.code === 'string';
}

/** Builds the ApiError of a failed response, whatever its body (a proxy may answer HTML). */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: fall through to the stand-in document.
  }
  if (isProblemDocument(body)) {
    return new ApiError(response.status, { ...body, detail: typeof body.detail === 'string' ? body.detail : body.title });
  }
  const title = response.statusText || `HTTP ${response.status}`;
  return new ApiError(response.status, {
    type: 'about:blank',
    title,
    status: response.status,
    detail: title,
    code: codeOfStatus(response.status),
  });
}

// The first catalogue code with this status, so a stand-in document still says 401 vs 503 coherently.
function codeOfStatus(status: number): ErrorCode {
  const codes = Object.keys(ERRORS) as ErrorCode[];
  return codes.find((code) => ERRORS[code].status === status) ?? 'ERR_INTERNAL';
}

/** What to tell the reader about a failed call: a dictionary key and its parameters. */
export interface ErrorMessage {
  key: MessageKey;
  params?: Record<string, string>;
}

/**
 * The reader's message for an error of a call to the event service, in the portal's words: the
 * service's `detail` is English written for developers ("invalid body: body.email (Too small: …)"), so
 * it is never shown. Pure. By the catalogue code where the reader can act on it, otherwise by status; a
 * failure with no answer (no ApiError) is the network's. Grouped rather than one text per code: the
 * Spanish dictionary is in every page's first load.
 */
export function errorMessageOf(err: unknown): ErrorMessage {
  if (!(err instanceof ApiError)) return { key: 'error.network' };
  const { code, status, errors } = err.problem;
  if (code === 'ERR_LOGIN_FAILED') return { key: 'error.loginFailed' };
  if (code === 'ERR_LOGIN_DISABLED') return { key: 'error.loginDisabled' };
  if (code === 'ERR_VALIDATION' && errors?.length) {
    // `body.email`, `query.q`, `params.deploymentId`: the field, without where it travelled.
    const fields = [...new Set(errors.map((e) => e.path.replace(/^(body|query|params|headers)\.?/, '') || e.path))];
    return { key: 'error.fields', params: { fields: fields.join(', ') } };
  }
  if (status === 401) return { key: 'error.session' };
  if (status === 403) return { key: 'error.forbidden' };
  if (status === 404) return { key: 'error.notFound' };
  if (status === 409) return { key: 'error.conflict' };
  if (status === 429) return { key: 'error.busy' };
  if (status >= 500 || status === 408) return { key: 'error.unavailable' };
  return { key: 'error.invalid' };
}
