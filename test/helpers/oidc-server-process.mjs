/**
 * A real OAuth 2.0 authorization server for tests: oidc-provider 9 on 127.0.0.1, on a port the
 * operating system picks.
 *
 * oidc-provider is ESM-only and our jest setup compiles tests to CommonJS, so this file runs in
 * its own process, started with `child_process.fork` by `test/helpers/oidc-server.ts` (use that,
 * not this file directly). It is configured like an Atlassian Data Center OAuth 2.0 provider:
 *
 * - authorization code with PKCE (S256) required, exact redirect URI match;
 * - refresh tokens issued without `offline_access` and rotated on every refresh (unless
 *   `rotateRefreshTokens: false`); reusing a consumed refresh token revokes the whole grant (Data
 *   Center does the same);
 * - client_credentials for clients that list that grant;
 * - client authentication `client_secret_post` or `client_secret_basic`, per client;
 * - token revocation (RFC 7009) on;
 * - a plain-http issuer on 127.0.0.1 (oidc-provider accepts it; fine for tests only).
 *
 * Options come as one JSON argument (see `OidcServerOptions` in oidc-server.ts). Protocol with the
 * parent, over IPC:
 *
 * - child -> parent once listening: `{type: 'ready', issuer, port}`; on a start failure:
 *   `{type: 'failed', message}` and exit 1.
 * - parent -> child `{type: 'counts', id}`; reply `{type: 'counts', id, counts}` where counts maps
 *   a grant type (or `unknown`) to the number of token-endpoint requests seen.
 * - parent -> child `{type: 'last-token-request', id}`; reply `{type: 'last-token-request', id,
 *   request}` where request is `{grantType, contentType, paramNames, authorizationScheme}` of the
 *   latest token-endpoint request (parameter names only, never values), or null.
 * - parent -> child `{type: 'reset-counts', id}`; reply `{type: 'ack', id}`.
 * - parent -> child `{type: 'misbehave', id, mode}`; reply `{type: 'ack', id}`. The next request to
 *   the token endpoint (only that one) then misbehaves:
 *     `hang`               never answers;
 *     `error-200`          answers HTTP 200 with `{"error":"invalid_grant", ...}`;
 *     `omit-refresh-token` answers normally but without `refresh_token`;
 *     `omit-expires-in`    answers normally but without `expires_in`;
 *     `html-502`           answers 502 with an HTML page, as a proxy in front of a stopped app does.
 *   The request is still counted.
 *
 * The process exits when the parent disconnects (or dies), so no test can leak it.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';

import Provider, { errors } from 'oidc-provider';

const MODES = new Set(['hang', 'error-200', 'omit-refresh-token', 'omit-expires-in', 'html-502']);

const options = JSON.parse(process.argv[2] ?? '{}');
const counts = {};
let lastTokenRequest = null;
let pendingMode = null;

function send(message) {
  if (process.connected) process.send(message);
}

process.on('disconnect', () => process.exit(0));

process.on('message', (message) => {
  if (!message || typeof message !== 'object') return;
  switch (message.type) {
    case 'counts':
      send({ type: 'counts', id: message.id, counts: { ...counts } });
      break;
    case 'last-token-request':
      send({ type: 'last-token-request', id: message.id, request: lastTokenRequest });
      break;
    case 'reset-counts':
      for (const key of Object.keys(counts)) delete counts[key];
      send({ type: 'ack', id: message.id });
      break;
    case 'misbehave':
      if (!MODES.has(message.mode)) {
        send({ type: 'ack', id: message.id, error: `unknown mode ${String(message.mode)}` });
        break;
      }
      pendingMode = message.mode;
      send({ type: 'ack', id: message.id });
      break;
    default:
      break;
  }
});

/** Reads a form body without handing it on: only for requests the provider never sees. */
async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return parseQuery(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Counts one token request and remembers its shape: parameter names only, never values, so a
 * test can check what the client sent (form encoding, where the secret went, redirect_uri).
 */
function record(ctx, form) {
  const grantType = typeof form?.grant_type === 'string' && form.grant_type !== '' ? form.grant_type : 'unknown';
  counts[grantType] = (counts[grantType] ?? 0) + 1;
  const authorization = ctx.get('authorization');
  lastTokenRequest = {
    grantType,
    contentType: ctx.get('content-type'),
    paramNames: Object.keys(form ?? {}).sort(),
    authorizationScheme: authorization === '' ? null : authorization.split(' ')[0],
  };
}

async function start() {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;

  const routes = { ...(options.routes ?? {}) };
  const tokenPath = routes.token ?? '/token';

  const provider = new Provider(issuer, {
    clients: options.clients ?? [],
    scopes: options.scopes ?? ['openid', 'offline_access'],
    routes,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
    },
    // Data Center issues refresh tokens to every authorization-code client, without offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Data Center rotates on every refresh; `rotateRefreshTokens: false` models providers that do not.
    rotateRefreshToken: options.rotateRefreshTokens ?? true,
    ttl: {
      AccessToken: options.accessTokenSeconds ?? 3600,
      ClientCredentials: options.accessTokenSeconds ?? 3600,
      RefreshToken: options.refreshTokenSeconds ?? 90 * 24 * 3600,
      AuthorizationCode: 60,
      Grant: 90 * 24 * 3600,
      Interaction: 600,
      Session: 3600,
    },
    // Errors on the authorization endpoint that cannot be redirected (an unknown redirect URI):
    // JSON instead of the default HTML page, so the harness can tell the caller what happened.
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  // The token endpoint is observed here: counted per grant type, and misbehaving once on request.
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== tokenPath) {
      await next();
      return;
    }
    const mode = pendingMode;
    pendingMode = null;

    if (mode === 'hang' || mode === 'error-200' || mode === 'html-502') {
      const form = await readForm(ctx.req);
      record(ctx, form);
      if (mode === 'hang') {
        await new Promise(() => {});
      } else if (mode === 'error-200') {
        ctx.status = 200;
        ctx.type = 'json';
        ctx.body = { error: 'invalid_grant', error_description: 'grant request is invalid' };
      } else {
        ctx.status = 502;
        ctx.type = 'html';
        ctx.body = '<html><body><h1>502 Bad Gateway</h1></body></html>';
      }
      return;
    }

    try {
      await next();
    } finally {
      // oidc-provider has parsed the whole form into ctx.oidc.body (unless it refused the body).
      record(ctx, ctx.oidc?.body);
    }
    if (ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      if (mode === 'omit-refresh-token') delete ctx.body.refresh_token;
      if (mode === 'omit-expires-in') delete ctx.body.expires_in;
    }
  });

  provider.on('server_error', (_ctx, error) => {
    process.stderr.write(`oidc-server: server_error ${error?.stack ?? error}\n`);
  });

  server.on('request', provider.callback());
  // Keep-alive sockets must not keep the process alive when the parent goes away.
  server.keepAliveTimeout = 1000;

  send({ type: 'ready', issuer, port });
}

start().catch((error) => {
  send({ type: 'failed', message: error instanceof errors.OIDCProviderError ? error.message : String(error?.stack ?? error) });
  process.exit(1);
});
