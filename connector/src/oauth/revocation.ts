import * as http from 'node:http';
import * as https from 'node:https';
import type { OAuthClientConfig, OAuthClientOptions, SplitEndpoint } from './config';
import { OAuthError, providerError, timeoutError, transportError } from './errors';

/** The most a revocation answer may carry: RFC 7009 answers are empty or a small error object. */
export const REVOCATION_MAX_BYTES = 64 * 1024;

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
 * RFC 7009 section 2.1: revokes one token. simple-oauth2's revoke() fails on the empty 200 that
 * providers answer, so the request is sent here, with Node's http client over the same agents as
 * the token requests: with the connector's guarded agents (outbound/guarded-agents.ts) every
 * connection is checked against the outbound policy (allowed hosts, internal addresses, plain
 * http), whatever was checked when the link was saved. A redirect is never followed (the client
 * secret is in the request), the whole call is bounded by `timeoutMs` and the answer by
 * {@link REVOCATION_MAX_BYTES}. Any 2xx is success, whatever the body (section 2.2).
 */
export async function revokeToken(input: {
  config: OAuthClientConfig;
  endpoint: SplitEndpoint;
  token: string;
  hint: 'access_token' | 'refresh_token';
  timeoutMs: number;
  agents?: OAuthClientOptions['agents'];
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

  const answer = await send(url, form.toString(), headers, timeoutMs, input.agents).catch((error: unknown) => {
    if (error instanceof TimedOut) throw timeoutError('revoke', endpoint.display, timeoutMs);
    if (error instanceof TooLarge) {
      throw new OAuthError('TOKEN_ENDPOINT_ERROR', `${endpoint.display} answered with more than ${REVOCATION_MAX_BYTES} bytes.`, { operation: 'revoke' });
    }
    throw transportError('revoke', endpoint.display, error);
  });
  if (answer.status >= 200 && answer.status < 300) return;
  if (answer.status >= 300 && answer.status < 400) {
    throw new OAuthError('TOKEN_ENDPOINT_ERROR', `${endpoint.display} answered with a redirect (HTTP ${answer.status}), which the connector does not follow.`, {
      operation: 'revoke',
      httpStatus: answer.status,
    });
  }

  const body = parseJsonObject(answer.body);
  if (body && typeof body.error === 'string') {
    throw providerError(
      'revoke',
      endpoint.display,
      { httpStatus: answer.status, error: body.error, errorDescription: typeof body.error_description === 'string' ? body.error_description : undefined },
      secrets,
    );
  }
  throw new OAuthError(answer.status === 401 ? 'INVALID_CLIENT' : 'TOKEN_ENDPOINT_ERROR', `${endpoint.display} answered HTTP ${answer.status} without an OAuth error.`, {
    operation: 'revoke',
    httpStatus: answer.status,
  });
}

class TimedOut extends Error {}
class TooLarge extends Error {}

/** One POST, bounded in time (connection, headers and body together) and in answer size. */
function send(url: URL, body: string, headers: Record<string, string>, timeoutMs: number, agents: OAuthClientOptions['agents']): Promise<{ status: number; body: string }> {
  const secure = url.protocol === 'https:';
  const agent = agents === undefined ? undefined : secure ? agents.https : agents.http;
  const request = (secure ? https.request : http.request)(url, {
    method: 'POST',
    headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    ...(agent === undefined ? {} : { agent }),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      request.destroy(new TimedOut());
    }, timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > REVOCATION_MAX_BYTES) {
          request.destroy(new TooLarge());
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.end(body);
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
