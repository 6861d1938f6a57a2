import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { API_ERRORS, type ApiErrorCode, type ErrorEnvelope } from '../../../contract';
import { StoreError } from '../storage/store';
import { HttpError } from './errors';
import { zodIssues } from './validation';

/**
 * The one place errors become responses. Everything a route throws passes here: known errors get
 * their code and a message a person can act on; anything else is logged with its cause and
 * answered with a generic 500, so no internal detail (or secret inside one) leaves the process.
 */
export function registerErrorHandling(app: FastifyInstance, options: { onNotFound?: (method: string, statusCode: number, seconds: number) => void } = {}): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const known = toHttpError(error);
    if (known.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
    else if (known.status >= 500) request.log.warn({ code: known.code, status: known.status, err: error }, 'request failed');
    else request.log.info({ code: known.code, status: known.status }, 'request rejected');
    const body: ErrorEnvelope = { error: { code: known.code, message: known.code === 'INTERNAL' ? API_ERRORS.INTERNAL.message : known.message } };
    if (known.issues !== undefined && known.issues.length > 0) body.error.issues = known.issues;
    void reply.code(known.status).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorEnvelope = { error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0] ?? ''}` } };
    void reply.code(404).send(body);
    options.onNotFound?.(request.method, 404, reply.elapsedTime / 1000);
  });
}

const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'NOT_FOUND',
  FST_ERR_ASYNC_CONSTRAINT: 'NOT_FOUND',
  FST_ERR_RATE_LIMITED: 'RATE_LIMITED',
};

const STORE_CODES: Partial<Record<StoreError['code'], ApiErrorCode>> = {
  CONFLICT: 'CONFLICT',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  UNAVAILABLE: 'NOT_READY',
};

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ZodError) return new HttpError('VALIDATION_FAILED', undefined, zodIssues(error));
  if (error instanceof StoreError) {
    const code = STORE_CODES[error.code];
    if (code !== undefined) return new HttpError(code, code === 'NOT_READY' ? undefined : API_ERRORS[code].message, undefined, { cause: error });
  }
  const fastifyError = error as Partial<FastifyError> | null;
  const mapped = typeof fastifyError?.code === 'string' ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped !== undefined) return new HttpError(mapped, undefined, undefined, { cause: error });
  // JSON.parse failures inside Fastify's body parser arrive as SyntaxError with status 400.
  if (error instanceof SyntaxError && fastifyError?.statusCode === 400) return new HttpError('MALFORMED_JSON', undefined, undefined, { cause: error });
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new HttpError(fastifyError.statusCode === 404 ? 'NOT_FOUND' : fastifyError.statusCode === 405 ? 'METHOD_NOT_ALLOWED' : 'VALIDATION_FAILED', undefined, undefined, { cause: error });
  }
  return new HttpError('INTERNAL', undefined, undefined, { cause: error });
}
