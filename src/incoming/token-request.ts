import { headerValues, singleHeader, type WebTriggerRequest } from '../webtriggers/web-trigger';
import { OAuthEndpointError } from './oauth-error';

/** Parameters of a token request: each at most once (RFC 6749 section 3.2). */
export type TokenRequestParams = ReadonlyMap<string, string>;

/** Bodies are a few hundred bytes; anything far larger is not a token request. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Reads the form body of a token request (RFC 6749 section 3.2: POST, form-encoded, parameters
 * sent once). A JSON body, a common client mistake, gets an error that says so.
 */
export function parseTokenRequest(request: WebTriggerRequest): TokenRequestParams {
  const contentType = singleHeader(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    throw new OAuthEndpointError(
      'invalid_request',
      contentType === 'application/json'
        ? 'The token endpoint takes a form-encoded body (application/x-www-form-urlencoded), not JSON.'
        : 'Send the parameters as a form-encoded body (Content-Type: application/x-www-form-urlencoded).',
    );
  }
  const body = request.body ?? '';
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) throw new OAuthEndpointError('invalid_request', 'The request body is too large.');
  const params = new Map<string, string>();
  // Names seen, empty or not: `client_id=&client_id=<id>` is a parameter sent twice (RFC 6749
  // section 3.2), even though an empty value counts as omitted (section 3.1).
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (seen.has(name)) throw new OAuthEndpointError('invalid_request', `The parameter ${name} is sent more than once.`);
    seen.add(name);
    if (value !== '') params.set(name, value);
  }
  return params;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** How they came: a failed Basic authentication is answered with a Basic challenge. */
  method: 'basic' | 'body';
}

/**
 * The client's credentials, from HTTP Basic or from the body (RFC 6749 section 2.3.1), never both.
 * Basic carries `client_id:client_secret`, each form-urlencoded first.
 */
export function clientCredentials(request: WebTriggerRequest, params: TokenRequestParams): ClientCredentials {
  const authorization = headerValues(request, 'authorization');
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (authorization.length > 1) throw new OAuthEndpointError('invalid_request', 'Send one Authorization header.');
  const header = authorization[0];
  if (header !== undefined && /^basic\s/i.test(header)) {
    if (bodySecret !== undefined) throw new OAuthEndpointError('invalid_request', 'Authenticate with HTTP Basic or with client_secret in the body, not both.');
    const basic = decodeBasic(header);
    if (bodyId !== undefined && bodyId !== basic.clientId) throw new OAuthEndpointError('invalid_request', 'client_id in the body differs from the one in the Authorization header.');
    return { ...basic, method: 'basic' };
  }
  if (header !== undefined) throw new OAuthEndpointError('invalid_client', 'Authenticate with HTTP Basic or with client_id and client_secret in the body.');
  if (bodyId === undefined || bodySecret === undefined) {
    throw new OAuthEndpointError('invalid_client', 'Client authentication is required: send client_id and client_secret.');
  }
  return { clientId: bodyId, clientSecret: bodySecret, method: 'body' };
}

function decodeBasic(header: string): { clientId: string; clientSecret: string } {
  // Equivalent mutants (Stryker): the `^` and the `+` of this pattern. The header is known to start with
  // `basic` plus whitespace, and trim() drops any further whitespace.
  const encoded = header.replace(/^basic\s+/i, '').trim();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (!/^[A-Za-z0-9+/]+=*$/.test(encoded) || colon < 0) {
    throw new OAuthEndpointError('invalid_client', 'The Basic credentials are malformed.');
  }
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthEndpointError('invalid_client', 'The Basic credentials are malformed.');
  }
}

const formDecode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '));
