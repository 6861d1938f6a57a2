/**
 * A Bitbucket Cloud stand-in (Jira's DVCS consumer, seed 002), active when the sandbox settings
 * carry `bitbucketCloud`. It serves, under the sandbox's own base (which a link then uses as its
 * application URL in place of https://bitbucket.org):
 *
 * - `POST /site/oauth2/access_token`: the client-credentials grant for consumers, the key and
 *   secret in an HTTP Basic header (or the body); Bitbucket's answer for a consumer without a
 *   callback URL (HTTP 400, `invalid_request`, "No callback uri defined for the OAuth client.");
 *   client credentials only for private consumers; tokens live 2 h and carry the consumer's
 *   permissions (Bitbucket's `scopes` field);
 * - the API 2.0 calls test connection makes: `GET /2.0/user`,
 *   `/2.0/user/workspaces/{workspace}/permission`, `/2.0/repositories/{workspace}`,
 *   `/2.0/workspaces/{workspace}/hooks`, each answering `x-oauth-scopes` with the token's scopes and,
 *   without the scope it needs, Bitbucket's 403 body (`error.detail.required` / `granted`).
 *
 * Settings (change them while running with `configure({ bitbucketCloud })`, replacing the whole object):
 * `{ user: { username }, workspaces: { [slug]: { role: 'owner' | 'member', repositories: [slug] } },
 *    consumers: [{ key, secret, callbackUrl: string | null, private: boolean, permissions: [scope] }] }`.
 * It logs nothing and never echoes a secret or a token.
 */
import { randomBytes } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';

/** Bitbucket's scopes are ordered: each implies the ones listed for it. */
const IMPLIES = {
  'account:write': ['account'],
  'repository:delete': ['repository:admin', 'repository:write', 'repository'],
  'repository:admin': ['repository:write', 'repository'],
  'repository:write': ['repository'],
  'pullrequest:write': ['pullrequest', 'repository'],
  pullrequest: ['repository'],
  'project:admin': ['project:write', 'project'],
  'project:write': ['project'],
};
const TOKEN_SECONDS = 7200;

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function bitbucketCloud(api) {
  /** access token -> { key, scopes, expiresAt } */
  const tokens = new Map();

  const json = (res, status, body, headers = {}) => api.send(res, status, 'application/json', JSON.stringify(body), headers);
  const oauthError = (res, status, error, description) => json(res, status, { error, error_description: description });

  function clientOf(req, form) {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return { key: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    }
    return { key: String(form.client_id ?? ''), secret: String(form.client_secret ?? '') };
  }

  async function token(req, res, config) {
    const form = parseQuery(await readBody(req));
    const { key, secret } = clientOf(req, form);
    const consumer = (config.consumers ?? []).find((c) => c.key === key);
    if (consumer === undefined || consumer.secret !== secret) return oauthError(res, 400, 'invalid_client', 'Invalid OAuth client credentials');
    if (!consumer.callbackUrl) return oauthError(res, 400, 'invalid_request', 'No callback uri defined for the OAuth client.');
    if (form.grant_type !== 'client_credentials') return oauthError(res, 400, 'unsupported_grant_type', 'This stand-in offers the client_credentials grant only.');
    if (!consumer.private) return oauthError(res, 400, 'unauthorized_client', 'Client credentials are only available to private consumers.');
    const accessToken = randomBytes(24).toString('base64url');
    const scopes = [...consumer.permissions];
    tokens.set(accessToken, { key, scopes, expiresAt: Date.now() + TOKEN_SECONDS * 1000 });
    return json(res, 200, { access_token: accessToken, token_type: 'bearer', expires_in: TOKEN_SECONDS, scopes: scopes.join(' '), state: 'client_credentials' });
  }

  function apiCall(req, res, path, config) {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const held = bearer === undefined ? undefined : tokens.get(bearer);
    if (held === undefined || held.expiresAt < Date.now()) return json(res, 401, { type: 'error', error: { message: 'Access token expired or unknown.' } });
    const granted = new Set(held.scopes.flatMap((s) => [s, ...(IMPLIES[s] ?? [])]));
    const headers = { 'x-oauth-scopes': held.scopes.join(', ') };
    const needs = (scope) => {
      if (granted.has(scope)) return true;
      json(res, 403, { type: 'error', error: { message: 'Your credentials lack one or more required privilege scopes.', detail: { granted: held.scopes, required: [scope] } } }, { ...headers, 'x-accepted-oauth-scopes': scope });
      return false;
    };
    const workspaces = config.workspaces ?? {};
    const user = config.user ?? { username: 'dvcs-owner' };
    let match;
    if (path === '/2.0/user') {
      if (needs('account')) json(res, 200, { type: 'user', username: user.username, display_name: user.username, account_id: `557058:${user.username}` }, headers);
      return;
    }
    if ((match = /^\/2\.0\/user\/workspaces\/([^/]+)\/permission$/.exec(path))) {
      if (!needs('account')) return;
      const ws = workspaces[decodeURIComponent(match[1])];
      if (ws === undefined) return json(res, 404, { type: 'error', error: { message: 'No workspace membership found.' } }, headers);
      return json(res, 200, { type: 'workspace_membership', permission: ws.role, workspace: { slug: decodeURIComponent(match[1]) } }, headers);
    }
    if ((match = /^\/2\.0\/repositories\/([^/]+)$/.exec(path))) {
      if (!needs('repository')) return;
      const ws = workspaces[decodeURIComponent(match[1])];
      const role = new URL(req.url ?? '/', 'http://x').searchParams.get('role');
      const visible = ws === undefined || (role === 'admin' && ws.role !== 'owner') ? [] : ws.repositories ?? [];
      return json(res, 200, { pagelen: 1, values: visible.slice(0, 1).map((slug) => ({ type: 'repository', full_name: `${match[1]}/${slug}` })) }, headers);
    }
    if ((match = /^\/2\.0\/workspaces\/([^/]+)\/hooks$/.exec(path))) {
      if (!needs('webhook')) return;
      const ws = workspaces[decodeURIComponent(match[1])];
      if (ws === undefined) return json(res, 404, { type: 'error', error: { message: 'No such workspace.' } }, headers);
      if (ws.role !== 'owner') return json(res, 403, { type: 'error', error: { message: 'You must be an administrator of this workspace.' } }, headers);
      return json(res, 200, { pagelen: 1, values: [] }, headers);
    }
    return json(res, 404, { type: 'error', error: { message: 'Not served by the Bitbucket Cloud stand-in.' } });
  }

  return async (req, res, path) => {
    const config = api.settings.bitbucketCloud;
    if (config === undefined || config === null) return false;
    if (req.method === 'POST' && path === '/site/oauth2/access_token') {
      await token(req, res, config);
      return true;
    }
    if (req.method === 'GET' && path.startsWith('/2.0/')) {
      apiCall(req, res, path, config);
      return true;
    }
    return false;
  };
}
