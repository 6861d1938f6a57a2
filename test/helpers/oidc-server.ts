/**
 * Starts a real OAuth 2.0 authorization server (oidc-provider, in a child process) for tests, and
 * drives its login and consent pages headlessly.
 *
 * By default it looks like an Atlassian Data Center OAuth 2.0 provider: endpoints under
 * `{baseUrl}/rest/oauth2/latest/{authorize,token,revoke}` (with an optional context path such as
 * `/jira`), scopes READ WRITE ADMIN, PKCE required, refresh tokens rotated on every refresh and a
 * reused refresh token revoking the grant. See `oidc-server-process.mjs` for the server side (not named `oidc-server.mjs`: jest
 * resolves `.mjs` before `.ts`, so `import ... from './oidc-server'` would load it).
 *
 * ```ts
 * const server = await startOidcServer({ contextPath: '/jira' });
 * const { code, state } = await server.authorize(authorizationUrl);
 * // ... redeem the code at server.tokenEndpoint ...
 * await server.stop();
 * ```
 *
 * Every start gets fresh client secrets and an empty token store. The child exits when the test
 * process goes away, even if `stop()` is never called.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export type TokenAuthMethod = 'client_secret_post' | 'client_secret_basic';
export type ServerGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** A client to register. Secrets are generated when omitted. */
export interface OidcClientSpec {
  clientId?: string;
  clientSecret?: string;
  authMethod: TokenAuthMethod;
  grantTypes: ServerGrantType[];
  /** Exact-match redirect URIs (authorization-code clients only). */
  redirectUris?: string[];
  /** The scopes the client may be granted, space separated. Defaults to every server scope. */
  scope?: string;
}

/** A registered client, as tests need it. */
export interface OidcClient {
  clientId: string;
  clientSecret: string;
  authMethod: TokenAuthMethod;
  grantTypes: ServerGrantType[];
  redirectUris: string[];
  scope: string;
}

/** The redirect URI the default clients register (the connector's callback). */
export const DEFAULT_REDIRECT_URI = 'http://127.0.0.1:8787/oauth/callback';

/** Clients registered when `clients` is not given. */
export const DEFAULT_CLIENTS = {
  /** Data Center style: secret in the form body. */
  post: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'] },
  /** Secret in an HTTP Basic header (Bitbucket Cloud style). */
  basic: { authMethod: 'client_secret_basic', grantTypes: ['authorization_code', 'refresh_token'] },
  /** A client allowed to use client_credentials only. */
  service: { authMethod: 'client_secret_basic', grantTypes: ['client_credentials'], scope: 'READ' },
} as const satisfies Record<string, OidcClientSpec>;

export interface OidcServerOptions {
  /** A context path like `/jira`, put before the DC-style routes. Default none. */
  contextPath?: string;
  /** Route overrides (full paths), e.g. `{token: '/oauth/token'}`. Default DC style. */
  routes?: { authorization?: string; token?: string; revocation?: string; introspection?: string };
  /** Scopes the server knows. Default READ WRITE ADMIN. */
  scopes?: string[];
  /** Clients by name. Default `DEFAULT_CLIENTS`. */
  clients?: Record<string, OidcClientSpec>;
  /** Access-token lifetime. Default 3600 (Data Center). */
  accessTokenSeconds?: number;
  /** Refresh-token lifetime. Default 90 days (Data Center). */
  refreshTokenSeconds?: number;
  /** Rotate refresh tokens on every refresh. Default true (Data Center). */
  rotateRefreshTokens?: boolean;
  /** Start-up limit. Default 15 s. */
  startTimeoutMs?: number;
  /** Sandbox Data Center settings (manifest, clock skew, API scope): see `test/helpers/sandbox-dc.ts`. */
  sandbox?: Record<string, unknown>;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

/**
 * How the next token-endpoint request misbehaves (once):
 * `hang` never answers; `error-200` answers 200 with `{"error":"invalid_grant"}`;
 * `omit-refresh-token` and `omit-expires-in` drop that field from a good answer;
 * `html-502` answers 502 with an HTML page, as a proxy does when the app behind it is down;
 * `no-callback` answers 400 as Bitbucket Cloud does for a consumer without a callback URL.
 */
export type MisbehaviourMode = 'hang' | 'error-200' | 'omit-refresh-token' | 'omit-expires-in' | 'html-502' | 'no-callback';

/** The shape of the latest token request: parameter names only, never values. */
export interface TokenRequestShape {
  grantType: string;
  contentType: string;
  paramNames: string[];
  /** The Authorization header's scheme (`Basic`), or null when absent. */
  authorizationScheme: string | null;
}

export interface AuthorizeOptions {
  /** The account that signs in. Default `admin`. */
  accountId?: string;
  /** Refuse consent instead of granting it (the redirect then carries `error=access_denied`). */
  deny?: boolean;
}

/** What the authorization server answered the user agent, when it did not issue a code. */
export class AuthorizationRefused extends Error {
  constructor(
    readonly error: string,
    readonly errorDescription: string | undefined,
    /** HTTP status when the server answered itself instead of redirecting back. */
    readonly httpStatus: number | undefined,
    /** True when the error was delivered to the redirect URI (the client would see it). */
    readonly redirected: boolean,
  ) {
    super(`authorization refused: ${error}${errorDescription ? ` (${errorDescription})` : ''}`);
    this.name = 'AuthorizationRefused';
  }
}

export interface OidcServer {
  issuer: string;
  /** Issuer plus context path: what a Data Center base URL would be. */
  baseUrl: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  introspectionEndpoint: string;
  scopes: string[];
  clients: Record<string, OidcClient>;
  /** Token-endpoint requests seen since start (or the last reset), per grant type. */
  counts(): Promise<Record<string, number>>;
  resetCounts(): Promise<void>;
  lastTokenRequest(): Promise<TokenRequestShape | null>;
  /** Makes the next token-endpoint request misbehave, once. */
  misbehave(mode: MisbehaviourMode): Promise<void>;
  /** Changes sandbox settings of the running server (see `test/helpers/sandbox-dc.ts`). */
  configure(patch: Record<string, unknown>): Promise<void>;
  /**
   * Plays the user agent from the authorization URL to the redirect URI: signs in, grants
   * consent, and returns the `code` and `state` from the final redirect without calling the
   * redirect URI. Throws `AuthorizationRefused` when the server refuses.
   */
  authorize(authorizationUrl: string, options?: AuthorizeOptions): Promise<{ code: string; state: string | null; redirectUri: string }>;
  stop(): Promise<void>;
}

const SERVER_SCRIPT = path.join(__dirname, 'oidc-server-process.mjs');

type ChildMessage =
  | { type: 'ready'; issuer: string; port: number }
  | { type: 'failed'; message: string }
  | { type: 'counts'; id: number; counts: Record<string, number> }
  | { type: 'last-token-request'; id: number; request: TokenRequestShape | null }
  | { type: 'ack'; id: number; error?: string };

/** Starts a server; call `stop()` in `afterAll`. */
export async function startOidcServer(options: OidcServerOptions = {}): Promise<OidcServer> {
  const contextPath = (options.contextPath ?? '').replace(/\/+$/, '');
  const routes = {
    authorization: `${contextPath}/rest/oauth2/latest/authorize`,
    token: `${contextPath}/rest/oauth2/latest/token`,
    revocation: `${contextPath}/rest/oauth2/latest/revoke`,
    introspection: `${contextPath}/rest/oauth2/latest/introspect`,
    ...options.routes,
  };
  const scopes = options.scopes ?? ['READ', 'WRITE', 'ADMIN'];
  const clients = buildClients(options.clients ?? DEFAULT_CLIENTS, scopes);

  const serverOptions = {
    routes,
    scopes: ['openid', 'offline_access', ...scopes],
    accessTokenSeconds: options.accessTokenSeconds,
    refreshTokenSeconds: options.refreshTokenSeconds,
    rotateRefreshTokens: options.rotateRefreshTokens,
    sandbox: options.sandbox === undefined ? undefined : { contextPath, ...options.sandbox },
    tls: options.tls,
    clients: Object.values(clients).map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      token_endpoint_auth_method: c.authMethod,
      grant_types: c.grantTypes,
      response_types: c.grantTypes.includes('authorization_code') ? ['code'] : [],
      redirect_uris: c.redirectUris,
      scope: c.scope,
    })),
  };

  const stderr: string[] = [];
  const child = fork(SERVER_SCRIPT, [JSON.stringify(serverOptions)], {
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // oidc-provider prints development warnings; keep them for a failed start, show them on demand.
  const keep = (chunk: Buffer): void => {
    stderr.push(chunk.toString('utf8'));
    if (process.env.OIDC_SERVER_DEBUG) process.stderr.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const ready = await waitForReady(child, options.startTimeoutMs ?? 15_000, stderr);
  const rpc = createRpc(child);
  const issuer = ready.issuer;

  return {
    issuer,
    baseUrl: `${issuer}${contextPath}`,
    authorizationEndpoint: `${issuer}${routes.authorization}`,
    tokenEndpoint: `${issuer}${routes.token}`,
    revocationEndpoint: `${issuer}${routes.revocation}`,
    introspectionEndpoint: `${issuer}${routes.introspection}`,
    scopes,
    clients,
    counts: async () => {
      const reply = await rpc({ type: 'counts' });
      return reply.type === 'counts' ? reply.counts : {};
    },
    resetCounts: async () => {
      await rpc({ type: 'reset-counts' });
    },
    lastTokenRequest: async () => {
      const reply = await rpc({ type: 'last-token-request' });
      return reply.type === 'last-token-request' ? reply.request : null;
    },
    misbehave: async (mode) => {
      const reply = await rpc({ type: 'misbehave', mode });
      if (reply.type === 'ack' && reply.error) throw new Error(reply.error);
    },
    configure: async (patch) => {
      await rpc({ type: 'configure', patch });
    },
    authorize: (url, authorizeOptions) => driveAuthorization(issuer, url, authorizeOptions ?? {}),
    stop: () => stopChild(child),
  };
}

function buildClients(specs: Record<string, OidcClientSpec>, scopes: string[]): Record<string, OidcClient> {
  const result: Record<string, OidcClient> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const wantsRedirect = spec.grantTypes.includes('authorization_code');
    result[name] = {
      clientId: spec.clientId ?? `${name}-${randomBytes(4).toString('hex')}`,
      clientSecret: spec.clientSecret ?? randomBytes(24).toString('base64url'),
      authMethod: spec.authMethod,
      grantTypes: [...spec.grantTypes],
      redirectUris: spec.redirectUris ?? (wantsRedirect ? [DEFAULT_REDIRECT_URI] : []),
      scope: spec.scope ?? scopes.join(' '),
    };
  }
  return result;
}

function waitForReady(child: ChildProcess, timeoutMs: number, stderr: string[]): Promise<{ issuer: string; port: number }> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`oidc test server did not start: ${reason}\n${stderr.join('')}`));
    };
    const onMessage = (message: ChildMessage): void => {
      if (message.type === 'ready') {
        cleanup();
        resolve({ issuer: message.issuer, port: message.port });
      } else if (message.type === 'failed') {
        fail(message.message);
      }
    };
    const onExit = (code: number | null): void => fail(`exited with code ${String(code)}`);
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function createRpc(child: ChildProcess): (message: Record<string, unknown>) => Promise<ChildMessage> {
  let nextId = 1;
  const pending = new Map<number, (message: ChildMessage) => void>();
  child.on('message', (message: ChildMessage) => {
    if ('id' in message) {
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    }
  });
  return (message) =>
    new Promise((resolve, reject) => {
      if (!child.connected) {
        reject(new Error('oidc test server is not running'));
        return;
      }
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ ...message, id });
    });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The child exits when its IPC channel closes; SIGKILL only if it does not within a second.
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
  await exited;
  clearTimeout(timer);
}

/** A minimal cookie jar for one user agent: name=value pairs, no attributes honoured. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

async function driveAuthorization(
  issuer: string,
  authorizationUrl: string,
  options: AuthorizeOptions,
): Promise<{ code: string; state: string | null; redirectUri: string }> {
  const origin = new URL(issuer).origin;
  const jar = new CookieJar();
  const request = async (url: URL, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header() } });
    jar.store(response);
    return response;
  };

  let url = new URL(authorizationUrl);
  const authorizePath = url.pathname;
  let response = await request(url);
  for (let step = 0; step < 20; step += 1) {
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      const body = await response.text();
      const parsed = parseJson(body);
      throw new AuthorizationRefused(
        typeof parsed?.error === 'string' ? parsed.error : `http_${response.status}`,
        typeof parsed?.error_description === 'string' ? parsed.error_description : undefined,
        response.status,
        false,
      );
    }
    await response.body?.cancel();
    url = new URL(location, url);
    if (url.origin !== origin) return readRedirect(url);

    const interaction = /^\/interaction\/([^/]+)$/.exec(url.pathname);
    if (interaction) {
      response = await submitInteraction(request, url, options);
    } else if (url.pathname.startsWith(authorizePath)) {
      // Back to the authorization endpoint (`{authorize}/{uid}`) to resume after an interaction.
      response = await request(url);
    } else {
      // A redirect URI that happens to live on the server's origin.
      return readRedirect(url);
    }
  }
  throw new Error('authorization did not finish within 20 redirects');
}

async function submitInteraction(
  request: (url: URL, init?: RequestInit) => Promise<Response>,
  url: URL,
  options: AuthorizeOptions,
): Promise<Response> {
  const page = await (await request(url)).text();
  const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
  if (options.deny) return request(new URL(`${url.pathname}/abort`, url));
  const form = new URLSearchParams({ prompt: prompt ?? '' });
  if (prompt === 'login') {
    form.set('login', options.accountId ?? 'admin');
    form.set('password', 'any');
  } else if (prompt !== 'consent') {
    throw new Error(`unexpected interaction prompt ${String(prompt)}`);
  }
  return request(url, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

function readRedirect(url: URL): { code: string; state: string | null; redirectUri: string } {
  const redirectUri = `${url.origin}${url.pathname}`;
  const error = url.searchParams.get('error');
  if (error !== null) {
    throw new AuthorizationRefused(error, url.searchParams.get('error_description') ?? undefined, undefined, true);
  }
  const code = url.searchParams.get('code');
  if (code === null) throw new Error(`redirect to ${redirectUri} carries neither code nor error`);
  return { code, state: url.searchParams.get('state'), redirectUri };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
