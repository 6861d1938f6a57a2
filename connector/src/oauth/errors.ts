import type { DiagnosticCode } from '../../../contract';

/**
 * The codes an {@link OAuthError} carries. Where a diagnostic code of the contract fits, it is that
 * code, so test connection and the admin page can show its hint; the rest are specific to the
 * authorization response (RFC 6749 section 4.1.2).
 */
export type OAuthErrorCode =
  | Extract<
      DiagnosticCode,
      | 'URL_INVALID'
      | 'URL_INSECURE'
      | 'CREDENTIALS_MISSING'
      | 'DNS_FAILED'
      | 'CONNECTION_REFUSED'
      | 'CONNECT_TIMEOUT'
      | 'TLS_CERT_EXPIRED'
      | 'TLS_CERT_UNTRUSTED'
      | 'TLS_HOSTNAME_MISMATCH'
      | 'TLS_FAILED'
      | 'INVALID_CLIENT'
      | 'INVALID_GRANT'
      | 'INVALID_SCOPE'
      | 'REDIRECT_URI_MISMATCH'
      | 'TOKEN_ENDPOINT_ERROR'
      | 'TIMEOUT'
      | 'HOST_NOT_ALLOWED'
    >
  /** The user or the provider refused the authorization request (`error` on the callback). */
  | 'AUTHORIZATION_DENIED'
  /** The callback's `state` is not the one this request sent (RFC 6749 section 10.12). */
  | 'STATE_MISMATCH'
  /** The callback carries neither `code` nor `error`. */
  | 'CALLBACK_INVALID';

/** Which call failed. */
export type OAuthOperation = 'authorize' | 'authorization_code' | 'refresh_token' | 'client_credentials' | 'revoke' | 'configure';

export interface OAuthErrorDetails {
  operation: OAuthOperation;
  /** The provider's `error` (RFC 6749 section 5.2), when it sent one. */
  providerError?: string | undefined;
  /** The provider's `error_description`, with anything secret removed. */
  providerErrorDescription?: string | undefined;
  /** The HTTP status of the provider's answer, when there was one. */
  httpStatus?: number | undefined;
  cause?: unknown;
}

/**
 * A failed OAuth 2.0 call, with a stable code and what the provider said.
 *
 * The message is written for a person and never contains a client secret, an authorization code,
 * a PKCE verifier or a token: errors end up in logs and API answers.
 */
export class OAuthError extends Error {
  readonly code: OAuthErrorCode;
  readonly operation: OAuthOperation;
  readonly providerError: string | undefined;
  readonly providerErrorDescription: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(code: OAuthErrorCode, message: string, details: OAuthErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'OAuthError';
    this.code = code;
    this.operation = details.operation;
    this.providerError = details.providerError;
    this.providerErrorDescription = details.providerErrorDescription;
    this.httpStatus = details.httpStatus;
  }
}

/** Removes every secret value from a text that came from outside (a provider's description). */
export function redact(text: string, secrets: readonly (string | null | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    // Short values would blank out ordinary words; secrets, codes and tokens are long.
    if (secret && secret.length >= 6) result = result.split(secret).join('[redacted]');
  }
  return result;
}

/**
 * The code for an error answer of the token endpoint (RFC 6749 section 5.2). A provider's
 * `error` decides; the HTTP status decides only when the `error` is missing or unknown.
 */
export function codeForProviderError(providerError: string | undefined, description: string | undefined, httpStatus: number | undefined): OAuthErrorCode {
  // Providers report a redirect_uri that differs from the authorization request's (section
  // 4.1.3) as invalid_grant (oidc-provider, Data Center) or invalid_request (others).
  if ((providerError === 'invalid_grant' || providerError === 'invalid_request') && /redirect/i.test(description ?? '')) {
    return 'REDIRECT_URI_MISMATCH';
  }
  const byError = providerError === undefined ? undefined : PROVIDER_ERROR_CODES[providerError];
  if (byError) return byError;
  if (httpStatus === 401) return 'INVALID_CLIENT';
  return 'TOKEN_ENDPOINT_ERROR';
}

const PROVIDER_ERROR_CODES: Readonly<Record<string, OAuthErrorCode>> = {
  invalid_client: 'INVALID_CLIENT',
  invalid_grant: 'INVALID_GRANT',
  invalid_scope: 'INVALID_SCOPE',
};

/**
 * Node's error codes for failures before any HTTP answer: name resolution, connection, TLS.
 * Anything else on the way (a reset, a closed stream) is a TOKEN_ENDPOINT_ERROR.
 */
export const TRANSPORT_CODES: Readonly<Record<string, OAuthErrorCode>> = {
  ENOTFOUND: 'DNS_FAILED',
  EAI_AGAIN: 'DNS_FAILED',
  EAI_FAIL: 'DNS_FAILED',
  EAI_NONAME: 'DNS_FAILED',
  ECONNREFUSED: 'CONNECTION_REFUSED',
  ETIMEDOUT: 'CONNECT_TIMEOUT',
  UND_ERR_CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  EHOSTUNREACH: 'CONNECT_TIMEOUT',
  ENETUNREACH: 'CONNECT_TIMEOUT',
  CERT_HAS_EXPIRED: 'TLS_CERT_EXPIRED',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS_CERT_UNTRUSTED',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS_CERT_UNTRUSTED',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS_CERT_UNTRUSTED',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS_CERT_UNTRUSTED',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS_CERT_UNTRUSTED',
  CERT_UNTRUSTED: 'TLS_CERT_UNTRUSTED',
  CERT_NOT_YET_VALID: 'TLS_CERT_UNTRUSTED',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS_HOSTNAME_MISMATCH',
  EPROTO: 'TLS_FAILED',
  // Raised by the connector's guarded lookup (outbound/guarded-agents.ts), not by Node.
  EHOSTNOTALLOWED: 'HOST_NOT_ALLOWED',
};

const TRANSPORT_MESSAGES: Readonly<Partial<Record<OAuthErrorCode, string>>> = {
  DNS_FAILED: 'the host name does not resolve',
  HOST_NOT_ALLOWED: 'the host resolves to an internal address; list it in CONNECTOR_ALLOWED_HOSTS if the connector should call it',
  CONNECTION_REFUSED: 'the connection was refused',
  CONNECT_TIMEOUT: 'the host could not be reached',
  TLS_CERT_EXPIRED: 'its TLS certificate has expired',
  TLS_CERT_UNTRUSTED: 'its TLS certificate is not trusted',
  TLS_HOSTNAME_MISMATCH: 'its TLS certificate does not name this host',
  TLS_FAILED: 'the TLS handshake failed',
  TOKEN_ENDPOINT_ERROR: 'the connection failed',
};

/** The first Node system error code found on an error or its causes, or undefined. */
export function findSystemErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const candidate = current as { code?: unknown; cause?: unknown; errors?: unknown; data?: unknown };
    if (typeof candidate.code === 'string') {
      if (candidate.code in TRANSPORT_CODES || candidate.code.startsWith('ERR_SSL_') || /^E[A-Z]+$/.test(candidate.code)) {
        return candidate.code;
      }
    }
    // AggregateError from happy eyeballs (several addresses tried): the first one speaks for all.
    if (Array.isArray(candidate.errors) && candidate.errors.length > 0) {
      current = candidate.errors[0];
    } else if (candidate.cause !== undefined) {
      current = candidate.cause;
    } else {
      // Boom errors from @hapi/wreck keep the system error in `data`.
      current = candidate.data;
    }
  }
  return undefined;
}

/** An error for a failure before the provider answered (DNS, TCP, TLS). */
export function transportError(operation: OAuthOperation, endpoint: string, systemError: unknown): OAuthError {
  const systemCode = findSystemErrorCode(systemError);
  let code: OAuthErrorCode = 'TOKEN_ENDPOINT_ERROR';
  if (systemCode !== undefined) {
    code = TRANSPORT_CODES[systemCode] ?? (systemCode.startsWith('ERR_SSL_') ? 'TLS_FAILED' : 'TOKEN_ENDPOINT_ERROR');
  }
  const what = TRANSPORT_MESSAGES[code] ?? 'the connection failed';
  return new OAuthError(code, `Could not call ${endpoint}: ${what}${systemCode ? ` (${systemCode})` : ''}.`, {
    operation,
    cause: systemError,
  });
}

/** An error for a call that took longer than its time limit. */
export function timeoutError(operation: OAuthOperation, endpoint: string, timeoutMs: number): OAuthError {
  return new OAuthError('TIMEOUT', `${endpoint} did not answer within ${timeoutMs} ms.`, { operation });
}

/**
 * An error for an error answer of the provider (RFC 6749 section 5.2), or an HTTP 200 that
 * carries `error`. `secrets` are removed from the provider's description, which may echo input.
 */
export function providerError(
  operation: OAuthOperation,
  endpoint: string,
  answer: { httpStatus: number; error?: string | undefined; errorDescription?: string | undefined },
  secrets: readonly (string | null | undefined)[],
): OAuthError {
  const description = answer.errorDescription === undefined ? undefined : redact(answer.errorDescription, secrets).slice(0, 500);
  const error = answer.error === undefined ? undefined : redact(answer.error, secrets).slice(0, 100);
  const code = codeForProviderError(error, description, answer.httpStatus);
  const said = error === undefined ? 'an error without an OAuth error code' : `${error}${description ? `: ${description}` : ''}`;
  return new OAuthError(code, `${endpoint} answered HTTP ${answer.httpStatus} with ${said}.`, {
    operation,
    providerError: error,
    providerErrorDescription: description,
    httpStatus: answer.httpStatus,
  });
}
