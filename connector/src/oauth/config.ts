import { OAuthError } from './errors';

/**
 * One OAuth 2.0 client as the connector runs it against one remote: what the remote's incoming
 * link issued (client ID and secret, scopes), where its endpoints are, and what its preset says.
 */
export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
  /** RFC 6749 section 3.1. May carry a context path and a query string; never a fragment. */
  authorizationEndpoint: string;
  /** RFC 6749 section 3.2. May carry a context path and a query string; never a fragment. */
  tokenEndpoint: string;
  /** RFC 7009 section 2. Only `revoke()` needs it. */
  revocationEndpoint?: string | null | undefined;
  /** The connector's callback URL, registered exactly in the remote (RFC 6749 section 3.1.2). */
  redirectUri: string;
  /** The scopes to request; also what was granted when a token response omits `scope`. */
  scopes: readonly string[];
  /**
   * Where the client secret goes on token requests (RFC 6749 section 2.3.1): `body` as
   * `client_id`/`client_secret` form fields (Data Center), `basic` as an HTTP Basic header.
   */
  clientAuth: 'body' | 'basic';
  /** Extra authorization-request parameters of the preset (for example `audience`, `prompt`). */
  authorizeParams?: Readonly<Record<string, string>> | undefined;
  /**
   * Send PKCE (RFC 7636). Default true, as RFC 9700 section 2.1.1 asks; false only for a provider
   * that refuses a `code_challenge` it does not know (an admin's choice for a custom provider).
   */
  pkce?: boolean | undefined;
  /** Access-token lifetime assumed when a token response omits `expires_in` (RFC 6749 section 5.1). */
  defaultAccessTokenSeconds: number;
}

/** Something that takes structured debug lines, such as a pino logger. */
export interface OAuthClientLogger {
  debug(fields: Record<string, unknown>, message: string): void;
}

/** What the client depends on, passed in so tests control time and limits. */
export interface OAuthClientOptions {
  /** Milliseconds since the epoch; `expiresAt` is computed from it. Default `Date.now`. */
  now?: () => number;
  /** The most a call may take, end to end. Default 10 000 ms. */
  timeoutMs?: number;
  /**
   * Allow `http:` endpoints. Off by default: RFC 6749 section 3.1 and 3.2 require TLS. The
   * connector turns it on only for hosts the operator listed in CONNECTOR_ALLOWED_HOSTS, and tests.
   */
  allowInsecureHttp?: boolean;
  /**
   * HTTP agents for token requests (wreck's `agents`); the connector passes ones whose lookup
   * refuses internal addresses (outbound/guarded-agents.ts).
   */
  agents?: { http: import('node:http').Agent; https: import('node:https').Agent; httpsAllowUnauthorized: import('node:https').Agent };
  /** Receives one line per call (endpoint, status, duration); never a secret. */
  logger?: OAuthClientLogger;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** An endpoint split the way simple-oauth2 wants it: an origin plus a path with its query. */
export interface SplitEndpoint {
  /** The endpoint without query string, for messages and logs. */
  display: string;
  /** `https://host[:port]`. */
  host: string;
  /** `/context/path?query`: simple-oauth2 resolves it against `host`, keeping the query. */
  path: string;
}

/**
 * Splits an absolute endpoint URL into origin and path-with-query. The path is absolute, so a
 * context path (`/jira/rest/oauth2/latest/token`) survives `new URL(path, host)` unchanged.
 */
export function splitEndpoint(name: string, value: string, allowInsecureHttp: boolean): SplitEndpoint {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError('URL_INVALID', `The ${name} is not an absolute URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError('URL_INVALID', `The ${name} must use https.`);
  }
  if (url.protocol === 'http:' && !allowInsecureHttp) {
    throw configError('URL_INSECURE', `The ${name} ${url.origin}${url.pathname} uses plain http; OAuth 2.0 endpoints need https.`);
  }
  if (url.hash !== '') throw configError('URL_INVALID', `The ${name} must not contain a fragment (RFC 6749 section 3.1).`);
  if (url.username !== '' || url.password !== '') throw configError('URL_INVALID', `The ${name} must not contain credentials.`);
  return { display: `${url.origin}${url.pathname}`, host: url.origin, path: `${url.pathname}${url.search}` };
}

/** Checks a configuration once, before any call, with errors that say which field is wrong. */
export function checkConfig(config: OAuthClientConfig, allowInsecureHttp: boolean): {
  authorization: SplitEndpoint;
  token: SplitEndpoint;
  revocation: SplitEndpoint | null;
} {
  if (config.clientId.trim() === '' || config.clientSecret === '') {
    throw configError('CREDENTIALS_MISSING', 'The client ID and secret are required.');
  }
  // simple-oauth2 accepts only visible ASCII in credentials (RFC 6749 appendix A.1 and A.2).
  if (!/^[\x20-\x7E]+$/.test(config.clientId) || !/^[\x20-\x7E]+$/.test(config.clientSecret)) {
    throw configError('CREDENTIALS_MISSING', 'The client ID or secret contains characters a client ID or secret cannot have (only visible ASCII).');
  }
  splitEndpoint('redirect URI', config.redirectUri, true);
  if (!Number.isFinite(config.defaultAccessTokenSeconds) || config.defaultAccessTokenSeconds <= 0) {
    // A preset bug, not something an admin typed.
    throw new TypeError('defaultAccessTokenSeconds must be a positive number.');
  }
  return {
    authorization: splitEndpoint('authorization endpoint', config.authorizationEndpoint, allowInsecureHttp),
    token: splitEndpoint('token endpoint', config.tokenEndpoint, allowInsecureHttp),
    revocation: config.revocationEndpoint ? splitEndpoint('revocation endpoint', config.revocationEndpoint, allowInsecureHttp) : null,
  };
}

function configError(code: 'URL_INVALID' | 'URL_INSECURE' | 'CREDENTIALS_MISSING', message: string): OAuthError {
  return new OAuthError(code, message, { operation: 'configure' });
}
