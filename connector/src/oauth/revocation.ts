import type { OAuthClientConfig, SplitEndpoint } from './config';
import { OAuthError, providerError, timeoutError, transportError } from './errors';

/**
 * `application/x-www-form-urlencoded` for one value, as RFC 6749 section 2.3.1 wants before
 * Basic encoding (the same as simple-oauth2's strict mode).
 */
function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * RFC 7009 revocation with plain fetch: simple-oauth2's revoke() fails on the empty 200 that
 * providers answer. Any 2xx is success, whatever the body (section 2.2).
 */
export async function revokeToken(input: {
  config: OAuthClientConfig;
  endpoint: SplitEndpoint;
  token: string;
  hint: 'access_token' | 'refresh_token';
  timeoutMs: number;
}): Promise<void> {
  const { config, endpoint, token, hint, timeoutMs } = input;
  const form = new URLSearchParams({ token, token_type_hint: hint });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (config.clientAuth === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${formEncode(config.clientId)}:${formEncode(config.clientSecret)}`).toString('base64')}`;
  } else {
    form.set('client_id', config.clientId);
    form.set('client_secret', config.clientSecret);
  }
  const secrets = [config.clientSecret, token];
  const url = new URL(endpoint.path, endpoint.host);

  let response: Response;
  let text: string;
  try {
    // The signal also covers reading the body.
    const signal = AbortSignal.timeout(timeoutMs);
    response = await fetch(url, { method: 'POST', body: form, headers, redirect: 'manual', signal });
    text = await response.text();
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw timeoutError('revoke', endpoint.display, timeoutMs);
    }
    throw transportError('revoke', endpoint.display, error);
  }
  if (response.status >= 200 && response.status < 300) return;

  const body = parseJsonObject(text);
  if (body && typeof body.error === 'string') {
    throw providerError(
      'revoke',
      endpoint.display,
      { httpStatus: response.status, error: body.error, errorDescription: typeof body.error_description === 'string' ? body.error_description : undefined },
      secrets,
    );
  }
  throw new OAuthError(response.status === 401 ? 'INVALID_CLIENT' : 'TOKEN_ENDPOINT_ERROR', `${endpoint.display} answered HTTP ${response.status} without an OAuth error.`, {
    operation: 'revoke',
    httpStatus: response.status,
  });
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

