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
 *     `html-502`           answers 502 with an HTML page, as a proxy in front of a stopped app does;
 *     `no-callback`        answers 400 as Bitbucket Cloud does for a consumer without a callback URL.
 *   The request is still counted.
 *
 * - parent -> child `{type: 'configure', id, patch}`; reply `{type: 'ack', id}`: changes the sandbox
 *   settings (manifest, dateSkewMs, apiScope, manifestRedirect) of a running server.
 *
 * The server itself is the sandbox Data Center, `sandbox/dc-server.mjs` (manifest, protected API and
 * misbehaviour knobs on top of the provider); this file only runs it in a child process.
 *
 * The process exits when the parent disconnects (or dies), so no test can leak it.
 */
import { startDcServer } from '../../sandbox/dc-server.mjs';

const options = JSON.parse(process.argv[2] ?? '{}');

function send(message) {
  if (process.connected) process.send(message);
}

process.on('disconnect', () => process.exit(0));

async function start() {
  const dc = await startDcServer(options);
  process.on('message', (message) => {
    if (!message || typeof message !== 'object') return;
    switch (message.type) {
      case 'counts':
        send({ type: 'counts', id: message.id, counts: dc.counts() });
        break;
      case 'last-token-request':
        send({ type: 'last-token-request', id: message.id, request: dc.lastTokenRequest() });
        break;
      case 'reset-counts':
        dc.resetCounts();
        send({ type: 'ack', id: message.id });
        break;
      case 'misbehave':
        try {
          dc.misbehave(message.mode);
          send({ type: 'ack', id: message.id });
        } catch (error) {
          send({ type: 'ack', id: message.id, error: String(error?.message ?? error) });
        }
        break;
      case 'configure':
        dc.configure(message.patch);
        send({ type: 'ack', id: message.id });
        break;
      default:
        break;
    }
  });
  send({ type: 'ready', issuer: dc.issuer, port: dc.port });
}

start().catch((error) => {
  send({ type: 'failed', message: String(error?.stack ?? error) });
  process.exit(1);
});
