import { ERRORS, problemType, type ErrorCode, type FieldError, type ProblemDocument } from '@neo/contracts';

/** An error with a stable code from the catalogue; the error handler answers it as a problem document. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors?: FieldError[];
  readonly reason?: string;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, detail?: string, extra: { errors?: FieldError[]; reason?: string; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(detail ?? ERRORS[code].title, { cause: extra.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.errors = extra.errors;
    this.reason = extra.reason;
    this.headers = extra.headers;
  }

  toProblem(): ProblemDocument {
    return problemOf(this.code, this.message, { errors: this.errors, reason: this.reason });
  }
}

export function problemOf(code: ErrorCode, detail: string, extra: { errors?: FieldError[]; reason?: string } = {}): ProblemDocument {
  const doc: ProblemDocument = { type: problemType(code), title: ERRORS[code].title, status: ERRORS[code].status, detail, code };
  if (extra.errors?.length) doc.errors = extra.errors;
  if (extra.reason) doc.reason = extra.reason;
  return doc;
}

/** Turns zod issues into field errors with dotted paths (`events.2.data.progress`). */
export function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, prefix: ReadonlyArray<PropertyKey> = []): FieldError[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.') || '(root)',
    message: issue.message,
  }));
}
