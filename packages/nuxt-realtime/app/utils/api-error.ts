import { ERRORS, type ErrorCode, type ProblemDocument } from '@neo/contracts';

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
