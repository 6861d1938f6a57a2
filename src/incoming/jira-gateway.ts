import { impliedCloudScopes, type CloudIncomingScope } from '../../contract';
import { errorFields, type Logger } from '../logger';
import { headerValues, jsonResponse, singleHeader, type WebTriggerHandler, type WebTriggerRequest, type WebTriggerResponse } from '../webtriggers/web-trigger';
import { GATEWAY_METHODS, checkGatewayPath, requiredScope } from './gateway-policy';
import type { GatewayRateLimit } from './gateway-rate-limit';
import type { IncomingActivityLog } from './incoming-activity';
import type { TokenService } from './token-service';

const REALM = 'OAuth 2.0 application links';
/** Jira REST bodies the remote sends: issues, comments. Forge's web trigger payload limit is 5 MB. */
export const MAX_GATEWAY_REQUEST_BYTES = 1024 * 1024;
/** What the gateway hands back; larger answers are refused rather than cut (page with maxResults). */
export const MAX_GATEWAY_RESPONSE_BYTES = 4 * 1024 * 1024;

/** A Jira REST answer, as `asApp().requestJira` gives it (a fetch Response). */
export interface JiraResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}
/** Calls Jira Cloud's REST API as the app; injected so tests and the preview use a stand-in. */
export type JiraRequester = (path: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<JiraResponse>;

/**
 * The gateway (issue 12 item 2): the remote reaches Jira Cloud's REST APIs with its access token,
 * at `<trigger URL>/rest/api/3/...` (the suffix reaches the handler as `userPath`). The token's
 * current scopes govern every call (READ reads, WRITE creates and edits content, ADMIN the rest);
 * a call beyond them is refused with RFC 6750 `insufficient_scope` before Jira is asked.
 *
 * Calls act as the app (`asApp().requestJira`): Forge documents no user impersonation for web
 * triggers, and the consent page says so before anyone consents. No header of the remote's
 * request reaches Jira but a JSON content type: its Authorization (the token) and cookies stay here.
 */
export function createJiraGateway(deps: { tokens: TokenService; jira: JiraRequester; rateLimit: GatewayRateLimit; activity: IncomingActivityLog; logger: Logger }): WebTriggerHandler {
  return async (request) => {
    try {
      const token = bearerToken(request);
      if (token === undefined) return challenge(401, 'invalid_request', 'Send the access token as Authorization: Bearer <token> (not in the URL).');
      const access = await deps.tokens.checkAccess(token);
      if (!access.valid) return challenge(401, 'invalid_token', access.reason === 'expired' ? 'The access token has expired.' : 'The access token is not valid.');
      const method = request.method.toUpperCase();
      const path = request.userPath ?? '';
      const refuse = async (response: WebTriggerResponse, scope: CloudIncomingScope, outcome: string) => {
        await deps.activity.gatewayCalled(access.linkId, { method, path: path.slice(0, 200), scope, status: response.statusCode, outcome });
        return response;
      };
      if (!GATEWAY_METHODS.has(method)) return jsonResponse(405, { error: 'invalid_request', error_description: `The gateway passes ${[...GATEWAY_METHODS].join(', ')} only.` });
      const pathCheck = checkGatewayPath(path);
      if (!pathCheck.ok) return jsonResponse(400, { error: 'invalid_request', error_description: pathCheck.reason });
      const needed = requiredScope(method, path);
      if (!impliedCloudScopes(access.scopes).has(needed)) {
        deps.logger.info('Gateway call refused: insufficient scope', { clientId: access.clientId, linkId: access.linkId, method, needed });
        return refuse(challenge(403, 'insufficient_scope', `${method} ${path} needs the ${needed} scope; this token has ${access.scopes.join(', ')}.`, needed), needed, 'insufficient_scope');
      }
      const limited = await deps.rateLimit.take(access.clientId);
      if (!limited.allowed) {
        return refuse(jsonResponse(429, { error: 'rate_limited', error_description: `At most ${limited.limit} gateway calls a minute per client.` }, { 'Retry-After': String(limited.retryAfterSeconds) }), needed, 'rate_limited');
      }
      const body = request.body ?? '';
      if (Buffer.byteLength(body, 'utf8') > MAX_GATEWAY_REQUEST_BYTES) return refuse(jsonResponse(413, { error: 'invalid_request', error_description: 'The request body is larger than 1 MiB.' }), needed, 'too_large');
      const contentType = singleHeader(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
      if (body !== '' && contentType !== 'application/json') return refuse(jsonResponse(415, { error: 'invalid_request', error_description: 'Send request bodies as application/json.' }), needed, 'unsupported_media_type');

      // Only what Jira needs: it answers JSON, and a body is JSON. Nothing of the remote's headers.
      const headers: Record<string, string> = { Accept: 'application/json', ...(body === '' ? {} : { 'Content-Type': 'application/json' }) };
      const answer = await deps.jira(`${path}${queryOf(request)}`, { method, headers, ...(body === '' ? {} : { body }) });
      const text = await answer.text();
      if (Buffer.byteLength(text, 'utf8') > MAX_GATEWAY_RESPONSE_BYTES) {
        return refuse(jsonResponse(502, { error: 'response_too_large', error_description: 'Jira answered more than 4 MiB: ask for a smaller page (maxResults).' }), needed, 'response_too_large');
      }
      await deps.activity.gatewayCalled(access.linkId, { method, path: path.slice(0, 200), scope: needed, status: answer.status, outcome: answer.status < 400 ? 'ok' : 'jira_error' });
      const passed: Record<string, string[]> = { 'Cache-Control': ['no-store'] };
      const type = answer.headers.get('content-type');
      if (type !== null) passed['Content-Type'] = [type];
      const retryAfter = answer.headers.get('retry-after');
      if (retryAfter !== null) passed['Retry-After'] = [retryAfter];
      return { statusCode: answer.status, headers: passed, body: text };
    } catch (error) {
      deps.logger.error('Gateway call failed', errorFields(error));
      return jsonResponse(502, { error: 'server_error', error_description: 'The gateway could not reach Jira; try again later.' });
    }
  };
}

function bearerToken(request: WebTriggerRequest): string | undefined {
  // A token in the URL ends up in logs: refused, even next to a header.
  if ((request.queryParameters?.['access_token'] ?? []).length > 0) return undefined;
  const authorization = headerValues(request, 'authorization');
  const match = authorization.length === 1 ? /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization[0] ?? '') : null;
  return match?.[1];
}

/** RFC 6750 section 3: the error in the body and in the challenge, with the scope needed. */
function challenge(status: number, error: string, description: string, scope?: CloudIncomingScope): WebTriggerResponse {
  const scopePart = scope === undefined ? '' : `, scope="${scope}"`;
  const errorPart = error === 'invalid_request' && status === 401 ? '' : `, error="${error}", error_description="${description.replace(/["\\]/g, "'")}"`;
  return jsonResponse(status, { error, error_description: description, ...(scope === undefined ? {} : { scope }) }, { 'WWW-Authenticate': `Bearer realm="${REALM}"${errorPart}${scopePart}` });
}

/** The remote's query parameters, passed on re-encoded (the gateway never adds or drops one). */
function queryOf(request: WebTriggerRequest): string {
  const params = new URLSearchParams();
  for (const [name, values] of Object.entries(request.queryParameters ?? {})) for (const value of values ?? []) params.append(name, value);
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}
