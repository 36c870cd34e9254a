import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, problemOf } from '../errors';
import { isDatabaseUnavailable, isStatementTimeout } from '../store/database';
import type { ErrorCode, FieldError } from '@neo/contracts';

/** Fastify's own error codes that are the client's fault, mapped to the catalogue (and the part of the request at fault). */
const FASTIFY_CODES: Record<string, { code: ErrorCode; field?: FieldError }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'ERR_BODY_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'ERR_UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'ERR_VALIDATION', field: { path: 'headers.content-length', message: 'does not match the body' } },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'ERR_BAD_JSON' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'ERR_BAD_JSON' },
  // Raised by the router before any route runs (see `frameworkErrors` in app.ts).
  FST_ERR_BAD_URL: { code: 'ERR_VALIDATION', field: { path: 'url', message: 'not valid percent-encoded UTF-8' } },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'ERR_VALIDATION', field: { path: 'params', message: 'a path parameter is too long' } },
};

/** The catalogue code of a plain status, for errors that carry only a status. */
const BY_STATUS: Record<number, ErrorCode> = { 403: 'ERR_FORBIDDEN', 404: 'ERR_NOT_FOUND', 405: 'ERR_METHOD_NOT_ALLOWED', 408: 'ERR_REQUEST_TIMEOUT', 409: 'ERR_CONFLICT', 413: 'ERR_BODY_TOO_LARGE', 415: 'ERR_UNSUPPORTED_MEDIA_TYPE', 429: 'ERR_RATE_LIMITED', 431: 'ERR_HEADERS_TOO_LARGE' };

/** Answers every error as an RFC 9457 problem document; nothing the client did becomes a 500. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(answerError);

  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .type('application/problem+json')
      .send(problemOf('ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}

/**
 * The one mapping from an error to a problem document: the error handler of every route, and
 * Fastify's `frameworkErrors` for what the router refuses before a route runs (a malformed URL).
 */
export function answerError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
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
    // The detail names each field and the rule it broke (e.g. `params.tenantId (a tenant id: 1–63 …)`), so a
    // person reading only the detail knows what to send instead; `errors` carries the same, structured.
    body = problemOf('ERR_VALIDATION', `invalid ${err.validationContext}: ${errors.map((e) => `${e.path} (${e.message})`).join(', ')}`, { errors });
    status = 400;
  } else if (err.code && FASTIFY_CODES[err.code]) {
    const { code, field } = FASTIFY_CODES[err.code]!;
    body = problemOf(code, err.message, { errors: field ? [field] : undefined });
    status = body.status;
  } else if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    body = problemOf('ERR_BAD_JSON', err.message);
    status = 400;
  } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    // A plugin's own 4xx (e.g. the docs' static files refusing `..`): the catalogue entry of that status.
    const code = BY_STATUS[err.statusCode] ?? 'ERR_VALIDATION';
    body = problemOf(code, err.message, { errors: code === 'ERR_VALIDATION' ? [{ path: 'request', message: err.message }] : undefined });
    status = body.status;
  } else {
    request.log.error({ err }, 'unhandled error');
    body = problemOf('ERR_INTERNAL', 'an unexpected error occurred; it has been logged');
    status = 500;
  }
  if (status >= 500 && status !== 500) request.log.warn({ code: body.code, detail: body.detail }, 'service unavailable');
  void reply.status(status).type('application/problem+json').send(body);
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is a request (headers over
 * the size limit, a malformed request line, a client too slow to send its headers). Written straight to
 * the socket as Node does, but as a problem document from the catalogue like every other answer.
 */
export function answerClientError(this: FastifyInstance, err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? problemOf('ERR_REQUEST_TIMEOUT', 'the request did not arrive in time')
    : err.code === 'HPE_HEADER_OVERFLOW'
      ? problemOf('ERR_HEADERS_TOO_LARGE', 'the request line and headers exceed the size limit')
      : problemOf('ERR_VALIDATION', 'not a valid HTTP/1.1 request', { errors: [{ path: 'request', message: err.code ?? 'malformed' }] });
  this.log.debug({ code: err.code }, 'client error');
  const json = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`);
  }
  socket.destroy(err);
}
