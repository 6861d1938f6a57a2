import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { API_ERRORS, type ApiErrorCode, type ApiIssue, type ErrorEnvelope } from '../../../contract';
import { WebhookError, type WebhookErrorCode } from '../alerts/errors';
import { ConsumerError, type ConsumerErrorCode } from '../consumers/errors';
import { CredentialError, type CredentialErrorCode } from '../credentials/errors';
import { DiscoveryError, type DiscoveryErrorCode } from '../discovery/errors';
import { PairingError, type PairingErrorCode } from '../forge/pairing';
import { LinkError, type LinkErrorCode } from '../links/errors';
import { OAuthError, type OAuthErrorCode } from '../oauth';
import { OutboundError, type OutboundErrorCode } from '../outbound/safe-http';
import { StoreError, type StoreErrorCode } from '../storage/store';
import { VaultError, type VaultErrorCode } from '../vault/errors';
import { HttpError } from './errors';
import { zodIssues } from './validation';

/**
 * The one place errors become responses. Domain code throws its own coded errors (links,
 * consumers, credentials, discovery, pairing, OAuth, outbound, vault, store) and never knows about
 * HTTP; the tables below give every domain code its API code (and so its status, from the
 * contract's registry). Each table is a total `Record` over its domain's codes, so a code added
 * without a mapping does not compile; `test/connector/http/error-registry.test.ts` checks the same
 * at run time. Anything unknown is logged with its cause and answered with a generic 500, so no
 * internal detail (or secret inside one) leaves the process.
 */
export function registerErrorHandling(app: FastifyInstance, options: { onNotFound?: (method: string, statusCode: number, seconds: number) => void } = {}): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const known = toHttpError(error);
    if (known.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
    else if (known.status >= 500) request.log.warn({ code: known.code, status: known.status, err: error }, 'request failed');
    else request.log.info({ code: known.code, status: known.status }, 'request rejected');
    const body: ErrorEnvelope = { error: { code: known.code, message: known.code === 'INTERNAL' ? API_ERRORS.INTERNAL.message : known.message } };
    if (known.issues !== undefined && known.issues.length > 0) body.error.issues = known.issues;
    // A consumer refused a token learns when the next renewal attempt is due (RFC 9110 section 10.2.3).
    if (error instanceof CredentialError && error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
    void reply.code(known.status).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorEnvelope = { error: { code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0] ?? ''}` } };
    void reply.code(404).send(body);
    options.onNotFound?.(request.method, 404, reply.elapsedTime / 1000);
  });
}

export const FASTIFY_CODES: Readonly<Record<string, ApiErrorCode>> = {
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

/** Store failures: the registry's message is sent (store messages are for the log). */
export const STORE_CODES: Readonly<Record<StoreErrorCode, ApiErrorCode>> = {
  CONFLICT: 'CONFLICT',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  UNAVAILABLE: 'NOT_READY',
  BAD_CURSOR: 'VALIDATION_FAILED',
  // A secret sealed under a key another replica just retired: a race inside the connector.
  STALE_KEY_VERSION: 'INTERNAL',
};

export const CREDENTIAL_CODES: Readonly<Record<CredentialErrorCode, ApiErrorCode>> = {
  LINK_NOT_FOUND: 'NOT_FOUND',
  NOT_CONFIGURED: 'LINK_NOT_CONFIGURED',
  NOT_AUTHORIZED: 'NOT_AUTHORIZED',
  NEEDS_REAUTHORIZATION: 'NEEDS_REAUTHORIZATION',
  SUBJECT_REQUIRED: 'VALIDATION_FAILED',
  SUBJECT_NOT_ALLOWED: 'VALIDATION_FAILED',
  NOT_AUTHORIZATION_CODE: 'GRANT_MISMATCH',
  TOKEN_UNAVAILABLE: 'TOKEN_UNAVAILABLE',
  SECRET_ORIGIN_MISMATCH: 'LINK_NOT_CONFIGURED',
  USER_NOT_CONNECTED: 'USER_NOT_CONNECTED',
  USER_DISCONNECTED: 'USER_DISCONNECTED',
};

export const LINK_CODES: Readonly<Record<LinkErrorCode, ApiErrorCode>> = {
  LINK_NOT_FOUND: 'NOT_FOUND',
  LINK_INVALID: 'VALIDATION_FAILED',
  LINK_URL_INSECURE: 'INSECURE_URL',
  LINK_HOST_NOT_ALLOWED: 'HOST_NOT_ALLOWED',
  SECRET_ORIGIN_CHANGED: 'VALIDATION_FAILED',
};

export const CONSUMER_CODES: Readonly<Record<ConsumerErrorCode, ApiErrorCode>> = {
  CONSUMER_NOT_FOUND: 'NOT_FOUND',
  CONSUMER_LINKS_UNKNOWN: 'VALIDATION_FAILED',
};

export const WEBHOOK_CODES: Readonly<Record<WebhookErrorCode, ApiErrorCode>> = {
  WEBHOOK_NOT_FOUND: 'NOT_FOUND',
};

export const DISCOVERY_CODES: Readonly<Record<DiscoveryErrorCode, ApiErrorCode>> = {
  PROBE_URL_INVALID: 'VALIDATION_FAILED',
  PROBE_URL_INSECURE: 'INSECURE_URL',
  PROBE_HOST_NOT_ALLOWED: 'HOST_NOT_ALLOWED',
};

export const PAIRING_CODES: Readonly<Record<PairingErrorCode, { api: ApiErrorCode; issue?: string }>> = {
  ALREADY_PAIRED: { api: 'ALREADY_EXISTS' },
  PAIRED_ELSEWHERE: { api: 'FORBIDDEN' },
  NO_CODE_PENDING: { api: 'FORBIDDEN', issue: 'no pairing code is pending' },
  CODE_WRONG: { api: 'FORBIDDEN', issue: 'does not match the pending pairing code' },
  CODE_EXPIRED: { api: 'FORBIDDEN', issue: 'has expired' },
  CODE_USED: { api: 'FORBIDDEN', issue: 'was already used' },
};

/** Whatever the provider answered, the remote refused or failed: the client's messages carry no secret (tested there). */
export const OAUTH_CODES: Readonly<Record<OAuthErrorCode, ApiErrorCode>> = {
  URL_INVALID: 'REMOTE_ERROR',
  URL_INSECURE: 'REMOTE_ERROR',
  CREDENTIALS_MISSING: 'REMOTE_ERROR',
  DNS_FAILED: 'REMOTE_ERROR',
  CONNECTION_REFUSED: 'REMOTE_ERROR',
  CONNECT_TIMEOUT: 'REMOTE_ERROR',
  TLS_CERT_EXPIRED: 'REMOTE_ERROR',
  TLS_CERT_UNTRUSTED: 'REMOTE_ERROR',
  TLS_HOSTNAME_MISMATCH: 'REMOTE_ERROR',
  TLS_FAILED: 'REMOTE_ERROR',
  INVALID_CLIENT: 'REMOTE_ERROR',
  INVALID_GRANT: 'REMOTE_ERROR',
  INVALID_SCOPE: 'REMOTE_ERROR',
  REDIRECT_URI_MISMATCH: 'REMOTE_ERROR',
  TOKEN_ENDPOINT_ERROR: 'REMOTE_ERROR',
  TIMEOUT: 'REMOTE_ERROR',
  HOST_NOT_ALLOWED: 'REMOTE_ERROR',
  AUTHORIZATION_DENIED: 'REMOTE_ERROR',
  STATE_MISMATCH: 'REMOTE_ERROR',
  CALLBACK_INVALID: 'REMOTE_ERROR',
};

/** The outbound policy's refusals are the caller's mistake; failures on the way are the remote's. */
export const OUTBOUND_CODES: Readonly<Record<OutboundErrorCode, ApiErrorCode>> = {
  URL_INVALID: 'VALIDATION_FAILED',
  URL_INSECURE: 'INSECURE_URL',
  HOST_NOT_ALLOWED: 'HOST_NOT_ALLOWED',
  DNS_FAILED: 'REMOTE_ERROR',
  CONNECTION_REFUSED: 'REMOTE_ERROR',
  CONNECT_TIMEOUT: 'REMOTE_ERROR',
  TLS_CERT_EXPIRED: 'REMOTE_ERROR',
  TLS_CERT_UNTRUSTED: 'REMOTE_ERROR',
  TLS_HOSTNAME_MISMATCH: 'REMOTE_ERROR',
  TLS_FAILED: 'REMOTE_ERROR',
  TIMEOUT: 'REMOTE_ERROR',
  HTTP_FAILED: 'REMOTE_ERROR',
  RESPONSE_TOO_LARGE: 'REMOTE_ERROR',
};

/** A secret that does not open says so (with what to do), instead of a bare 500; key problems are the operator's, at start-up. */
export const VAULT_CODES: Readonly<Record<VaultErrorCode, ApiErrorCode>> = {
  MALFORMED_CIPHERTEXT: 'SECRET_UNREADABLE',
  UNKNOWN_KEY_VERSION: 'SECRET_UNREADABLE',
  DECRYPT_FAILED: 'SECRET_UNREADABLE',
  MASTER_KEY_INVALID: 'INTERNAL',
  MASTER_KEY_MISMATCH: 'INTERNAL',
  KEY_FILE_INSECURE: 'INTERNAL',
  MASTER_KEY_MISSING: 'INTERNAL',
  ROTATION_IN_PROGRESS: 'CONFLICT',
};

const withCause = (code: ApiErrorCode, message: string | undefined, error: unknown, issues?: ApiIssue[]): HttpError => new HttpError(code, message, issues, { cause: error });

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ZodError) return new HttpError('VALIDATION_FAILED', undefined, zodIssues(error));
  if (error instanceof LinkError) return withCause(LINK_CODES[error.code], error.message, error, error.issues);
  if (error instanceof ConsumerError) return withCause(CONSUMER_CODES[error.code], error.message, error, error.issues);
  if (error instanceof WebhookError) return withCause(WEBHOOK_CODES[error.code], error.message, error);
  if (error instanceof DiscoveryError) return withCause(DISCOVERY_CODES[error.code], error.message, error, error.issues);
  if (error instanceof CredentialError) {
    const subject = error.code === 'SUBJECT_REQUIRED' || error.code === 'SUBJECT_NOT_ALLOWED' ? [{ path: 'subject', message: error.message }] : undefined;
    return withCause(CREDENTIAL_CODES[error.code], error.message, error, subject);
  }
  if (error instanceof PairingError) {
    const { api, issue } = PAIRING_CODES[error.code];
    return withCause(api, error.message, error, issue === undefined ? undefined : [{ path: 'code', message: issue }]);
  }
  if (error instanceof OAuthError) return withCause(OAUTH_CODES[error.code], `${error.code}: ${error.message}`, error);
  if (error instanceof OutboundError) {
    const code = OUTBOUND_CODES[error.code];
    return withCause(code, code === 'REMOTE_ERROR' ? `${error.code}: ${error.message}` : error.message, error);
  }
  if (error instanceof VaultError) return withCause(VAULT_CODES[error.code], undefined, error);
  if (error instanceof StoreError) return withCause(STORE_CODES[error.code], undefined, error);
  const fastifyError = error as Partial<FastifyError> | null;
  const mapped = typeof fastifyError?.code === 'string' ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped !== undefined) return withCause(mapped, undefined, error);
  // JSON.parse failures inside Fastify's body parser arrive as SyntaxError with status 400.
  if (error instanceof SyntaxError && fastifyError?.statusCode === 400) return withCause('MALFORMED_JSON', undefined, error);
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return withCause(fastifyError.statusCode === 404 ? 'NOT_FOUND' : fastifyError.statusCode === 405 ? 'METHOD_NOT_ALLOWED' : 'VALIDATION_FAILED', undefined, error);
  }
  return withCause('INTERNAL', undefined, error);
}
