/**
 * The sandbox Data Center: a local server that presents the surface of an Atlassian Data Center
 * product, for the tests (through `test/helpers/oidc-server-process.mjs`) and for trying the
 * connector by hand (`node sandbox/start.mjs`).
 *
 * - `GET {context}/rest/applinks/1.0/manifest`: the applinks manifest, XML by default and JSON with
 *   `Accept: application/json` (kind, version, build number and display URL configurable);
 * - an OAuth 2.0 provider (oidc-provider 9) at `{context}/rest/oauth2/latest/{authorize,token,revoke}`,
 *   configured like Data Center: authorization code with PKCE (S256) required, exact redirect URI
 *   match, refresh tokens for every authorization-code client without `offline_access`, rotated on
 *   every refresh, a reused refresh token revoking the whole grant, the client secret in the body or
 *   an HTTP Basic header per client, client_credentials for clients that list it, revocation on;
 * - a login and consent page (oidc-provider's development interactions: any user name signs in);
 * - one protected API endpoint (Jira: `{context}/rest/api/2/myself`) that looks the bearer token up
 *   in the provider: 401 for an unknown or expired token, 403 when it lacks the scope it needs.
 *
 * Misbehaviour, set at start or later with `configure()`: an old version (`manifest.version`), a
 * skewed `Date` header (`dateSkewMs`), HTTPS with any certificate (`tls: {key, cert}`, PEM), no
 * manifest at all (`manifest: null`, as a server that is not an Atlassian application), a manifest
 * that redirects (`manifestRedirect`), and the token endpoint misbehaving once (`misbehave(mode)`).
 * Hanging and refusing ports are plain sockets: see `test/helpers/sandbox-dc.ts`.
 *
 * oidc-provider is ESM-only, so this is plain `.mjs`; it never reads or prints a secret it did not
 * generate itself, and logs nothing but oidc-provider's own start-up warnings.
 */
import http from 'node:http';
import https from 'node:https';
import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';

import Provider from 'oidc-provider';
import { EXTENSIONS } from './extensions/index.mjs';

export const MISBEHAVIOUR_MODES = new Set(['hang', 'error-200', 'omit-refresh-token', 'omit-expires-in', 'html-502', 'no-callback']);

/** Manifest `typeId` and a plausible name and API endpoint per kind. */
const KINDS = {
  jira: { typeId: 'jira', name: 'Jira', version: '11.2.0', buildNumber: '11020000', api: '/rest/api/2/myself' },
  confluence: { typeId: 'confluence', name: 'Confluence', version: '10.1.0', buildNumber: '10100', api: '/rest/api/user/current' },
  bitbucket: { typeId: 'stash', name: 'Bitbucket', version: '10.1.0', buildNumber: '10001000', api: '/rest/api/latest/application-properties' },
  bamboo: { typeId: 'bamboo', name: 'Bamboo', version: '12.0.0', buildNumber: '120000', api: '/rest/api/latest/currentUser' },
  crowd: { typeId: 'crowd', name: 'Crowd', version: '7.1.0', buildNumber: '2000', api: '/rest/admin/1.0/users/current' },
};

/** Reads a form body without handing it on: only for requests the provider never sees. */
async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return parseQuery(Buffer.concat(chunks).toString('utf8'));
}

function escapeXml(value) {
  return String(value).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]);
}

/**
 * Starts the server on 127.0.0.1 (port 0 unless `options.port`). Options are those of
 * `OidcServerOptions` in test/helpers/oidc-server.ts (routes as full paths, scopes, clients,
 * lifetimes, rotation) plus `sandbox` (see `SandboxSettings` in test/helpers/sandbox-dc.ts) and `tls`.
 */
export async function startDcServer(options = {}) {
  const counts = {};
  let lastTokenRequest = null;
  let pendingMode = null;
  const settings = { contextPath: '', manifest: null, manifestFormat: 'auto', dateSkewMs: 0, apiScope: 'READ', manifestRedirect: null, oauthMetadata: false, ...(options.sandbox ?? {}) };

  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }) : http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const issuer = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

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
    // JSON instead of the default HTML page, so callers can tell what happened.
    renderError: async (ctx, out) => {
      ctx.status = ctx.status && ctx.status >= 400 ? ctx.status : 400;
      ctx.type = 'json';
      ctx.body = out;
    },
  });

  /** Counts one token request and remembers its shape: parameter names only, never values. */
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

  // The token endpoint is observed here: counted per grant type, and misbehaving once on request.
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== tokenPath) {
      await next();
      return;
    }
    const mode = pendingMode;
    pendingMode = null;
    if (mode === 'hang' || mode === 'error-200' || mode === 'html-502' || mode === 'no-callback') {
      const form = await readForm(ctx.req);
      record(ctx, form);
      if (mode === 'hang') {
        await new Promise(() => {});
      } else if (mode === 'no-callback') {
        // Bitbucket Cloud's answer for a consumer without a callback URL (not an OAuth 2.0 consumer).
        ctx.status = 400;
        ctx.type = 'json';
        ctx.body = { error: 'invalid_request', error_description: 'No callback uri defined for the OAuth client.' };
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
      record(ctx, ctx.oidc?.body);
    }
    if (ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      if (mode === 'omit-refresh-token') delete ctx.body.refresh_token;
      if (mode === 'omit-expires-in') delete ctx.body.expires_in;
    }
  });

  provider.on('server_error', (_ctx, error) => {
    process.stderr.write(`sandbox-dc: server_error ${error?.stack ?? error}\n`);
  });

  const providerCallback = provider.callback();
  const kindOf = () => KINDS[settings.manifest?.kind ?? 'jira'] ?? KINDS.jira;
  const base = () => `${issuer}${settings.contextPath ?? ''}`;

  function manifest() {
    const kind = kindOf();
    const m = settings.manifest ?? {};
    return {
      id: m.id ?? stableId,
      name: m.name ?? `${kind.name} (sandbox)`,
      typeId: m.typeId ?? kind.typeId,
      version: m.version ?? kind.version,
      buildNumber: m.buildNumber ?? kind.buildNumber,
      applinksVersion: '10.0.0',
      inboundAuthenticationTypes: ['com.atlassian.applinks.api.auth.types.OAuth2AuthenticationProvider'],
      outboundAuthenticationTypes: ['com.atlassian.applinks.api.auth.types.OAuth2AuthenticationProvider'],
      publicSignup: false,
      url: m.displayUrl ?? base(),
      iconUrl: `${base()}/favicon.ico`,
    };
  }
  const stableId = randomUUID();

  function send(res, status, type, body, headers = {}) {
    res.writeHead(status, { 'content-type': type, ...headers });
    res.end(body);
  }

  async function serveManifest(req, res) {
    if (settings.manifest === null) {
      send(res, 404, 'text/html', '<html><body><h1>Not Found</h1></body></html>');
      return;
    }
    if (settings.manifestRedirect) {
      send(res, 302, 'text/html', '', { location: settings.manifestRedirect });
      return;
    }
    const m = manifest();
    // `manifestFormat: 'xml'` ignores Accept, as older versions and some proxies do.
    if (settings.manifestFormat !== 'xml' && (req.headers.accept ?? '').includes('application/json')) {
      send(res, 200, 'application/json', JSON.stringify(m));
      return;
    }
    const xml = Object.entries(m)
      .map(([key, value]) =>
        Array.isArray(value) ? value.map((v) => `<${key}>${escapeXml(v)}</${key}>`).join('') : `<${key}>${escapeXml(value)}</${key}>`,
      )
      .join('');
    send(res, 200, 'application/xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><manifest>${xml}</manifest>`);
  }

  /** The protected API: the bearer token is looked up in the provider, as DC checks its own tokens. */
  async function serveApi(req, res) {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const unauthorized = () =>
      send(res, 401, 'application/json', JSON.stringify({ errorMessages: ['You are not authenticated.'] }), { 'www-authenticate': 'Bearer realm="sandbox", error="invalid_token"' });
    if (!match) return unauthorized();
    const value = match[1];
    const token = (await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value));
    if (!token || token.isExpired) return unauthorized();
    const scopes = new Set(String(token.scope ?? '').split(' ').filter(Boolean));
    if (settings.apiScope && !scopes.has(settings.apiScope)) {
      return send(res, 403, 'application/json', JSON.stringify({ errorMessages: [`The token lacks the scope ${settings.apiScope}.`] }), {
        'www-authenticate': `Bearer realm="sandbox", error="insufficient_scope", scope="${settings.apiScope}"`,
      });
    }
    const account = token.accountId ?? `service:${token.clientId}`;
    send(res, 200, 'application/json', JSON.stringify({ key: account, name: account, displayName: account, active: true }));
  }

  const extensionApi = { provider, settings, issuer, base, kind: kindOf, send, readForm };
  const handlers = [...EXTENSIONS, ...(options.extensions ?? [])].map((extension) => extension(extensionApi));

  server.on('request', (req, res) => {
    handleRequest(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain', 'error');
    });
  });

  async function handleRequest(req, res) {
    for (const handle of handlers) {
      if (await handle(req, res, (req.url ?? '/').split('?')[0])) return;
    }
    builtIn(req, res);
  }

  function builtIn(req, res) {
    // A skewed clock shows in every answer's Date header, as a remote without NTP would send it.
    if (settings.dateSkewMs) res.setHeader('date', new Date(Date.now() + settings.dateSkewMs).toUTCString());
    const path = (req.url ?? '/').split('?')[0];
    const context = settings.contextPath ?? '';
    if (req.method === 'GET' && path === `${context}/rest/applinks/1.0/manifest`) {
      serveManifest(req, res).catch(() => send(res, 500, 'text/plain', 'error'));
      return;
    }
    if (req.method === 'GET' && path === `${context}/.well-known/oauth-authorization-server` && settings.oauthMetadata) {
      // RFC 8414 section 3; off by default, as Data Center serves none today.
      send(res, 200, 'application/json', JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}${routes.authorization ?? '/auth'}`,
        token_endpoint: `${issuer}${tokenPath}`,
        code_challenge_methods_supported: ['S256'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      }));
      return;
    }
    if (req.method === 'GET' && path === `${context}${kindOf().api}`) {
      serveApi(req, res).catch(() => send(res, 500, 'text/plain', 'error'));
      return;
    }
    providerCallback(req, res);
  }
  // Keep-alive sockets must not keep the process alive when it should exit.
  server.keepAliveTimeout = 1000;

  return {
    issuer,
    port,
    baseUrl: base,
    counts: () => ({ ...counts }),
    resetCounts: () => {
      for (const key of Object.keys(counts)) delete counts[key];
    },
    lastTokenRequest: () => lastTokenRequest,
    misbehave: (mode) => {
      if (!MISBEHAVIOUR_MODES.has(mode)) throw new Error(`unknown mode ${String(mode)}`);
      pendingMode = mode;
    },
    /** Changes sandbox settings (manifest, manifestFormat, dateSkewMs, apiScope, manifestRedirect) while running. */
    configure: (patch) => Object.assign(settings, patch ?? {}),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
