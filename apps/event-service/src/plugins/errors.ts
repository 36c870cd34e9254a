import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, problemOf } from '../errors';
import { isDatabaseUnavailable, isStatementTimeout } from '../store/database';
import type { ErrorCode, FieldError } from '@neo/contracts';

/** Fastify's own error codes that are the client's fault, mapped to the catalogue. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_BAD_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_BAD_JSON',
  FST_ERR_BAD_URL: 'ERR_NOT_FOUND',
};

/** Answers every error as an RFC 9457 problem document; nothing the client did becomes a 500. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let status: number;
    let body;
    if (err instanceof AppError) {
      status = err.status;
      body = err.toProblem();
      if (err.headers) reply.headers(err.headers);
    } else if (isStatementTimeout(err)) {
      // A request's statement ran past DB_STATEMENT_TIMEOUT_MS and Postgres cancelled it.
      status = 503;
      body = problemOf('ERR_OVERLOADED', 'the request took longer than the database allows; narrow it or retry shortly');
      reply.header('retry-after', '2');
    } else if (isDatabaseUnavailable(err)) {
      // One place for every route: a database that cannot be reached is a 503 to retry, never a 500.
      status = 503;
      body = problemOf('ERR_DATABASE_UNAVAILABLE', 'the database is unreachable; retry shortly');
      reply.header('retry-after', '2');
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      const errors: FieldError[] = err.validation.map((v) => ({
        path: [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'invalid',
      }));
      body = problemOf('ERR_VALIDATION', `invalid ${err.validationContext}: ${errors.map((e) => e.path).join(', ')}`, { errors });
      status = 400;
    } else if (err.code && FASTIFY_CODES[err.code]) {
      const code = FASTIFY_CODES[err.code]!;
      body = problemOf(code, err.message);
      status = body.status;
    } else if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
      body = problemOf('ERR_BAD_JSON', err.message);
      status = 400;
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      body = problemOf(err.statusCode === 413 ? 'ERR_BODY_TOO_LARGE' : err.statusCode === 415 ? 'ERR_UNSUPPORTED_MEDIA_TYPE' : 'ERR_VALIDATION', err.message);
      status = body.status;
    } else {
      request.log.error({ err }, 'unhandled error');
      body = problemOf('ERR_INTERNAL', 'an unexpected error occurred; it has been logged');
      status = 500;
    }
    if (status >= 500 && status !== 500) request.log.warn({ code: body.code, detail: body.detail }, 'service unavailable');
    void reply.status(status).type('application/problem+json').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .type('application/problem+json')
      .send(problemOf('ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
