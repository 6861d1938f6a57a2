import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CONSENT_MODULE_KEY, type AnyResolverKey, type ResolverKey, type ResolverResponse } from '../contract';
import { loadConfig } from '../connector/src/config';
import { PairingService } from '../connector/src/forge/pairing';
import { createLogger } from '../connector/src/observability/logger';
import type { MonitoringDeps } from '../connector/src/monitoring/wiring';
import { openApp, type Runtime } from '../connector/src/runtime';
import type { AppDependencies } from '../src/app/app-dependencies';
import { buildForgeApp } from '../src/app/forge-app';
import { httpConnectorClient, type RemoteInvoker } from '../src/connector-client/connector-client';
import type { Logger } from '../src/logger';
import { jiraUserDirectory } from '../src/users/user-directory';
import type { WebTriggerHandler } from '../src/webtriggers/web-trigger';
import { baseWebTriggerUrls } from '../src/webtriggers/web-trigger-urls';
import { FileKeyValueStore } from './file-key-value-store';
import { jiraStandIn } from './jira-stand-in';
import { loadForgeIdentity, type ForgeIdentity } from './forge-identity';
import { BRIDGE_SHIM, framePage } from './frame';
import { previewSurface, type PreviewSurface } from './surfaces';
import { currentPreviewUser, invokingUser, PREVIEW_USERS, previewUser, type PreviewUser } from './users';
import { previewJiraUsers } from './jira-users';
import {
  INVOKE_BODY_LIMIT_BYTES,
  RefusedRequest,
  WEB_TRIGGER_BODY_LIMIT_BYTES,
  checkInvokeRequest,
  ownOrigins,
  parseJsonBody,
  readLimitedBody,
  type Refusal,
} from './request-guard';

/**
 * The local preview (DESIGN section 5): one process with the connector on SQLite, the Forge app's
 * real resolvers and web triggers on a kvs kept in a file, invocation tokens signed by a local key
 * whose JWKS the connector trusts, and the built admin page in a frame like Jira's whose bridge
 * sends `invoke` here.
 *
 * TODO(issue 4): start the sandbox Data Center (sandbox/) here too, once it exists, so that a
 * newcomer can link to it; until then link to any Data Center the connector can reach.
 */

/** The display name Jira's user API gives the preview's administrator. */
export const PREVIEW_ADMIN_NAME = PREVIEW_USERS[0]!.displayName;

export interface PreviewOptions {
  /** Where kvs, the connector's SQLite database and the local Forge identity are kept. */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** The connector's port; 0 (default) picks a free one. */
  connectorPort?: number;
  /** The built page (static/admin/build). */
  staticDir?: string;
  /** Pair the connector with the preview's installation at start (default true); else the code is printed for the Connector tab. */
  autoPair?: boolean;
  /** The connector's pino level (default warn). */
  logLevel?: string;
  /** Where the app's log lines go (default: warnings and errors to stderr). */
  logger?: Logger;
  /** The connector's monitoring parts (event sink, forecast source, observers, scheduler tuning). */
  monitoring?: MonitoringDeps;
  /**
   * Run scheduled checks in the background (`npm start` does). Default off: tests that count the
   * sandbox's requests must not see a check arrive at a random moment; they drive checks with `runChecks`.
   */
  scheduledChecks?: boolean;
}

export interface Preview {
  url: string;
  connectorUrl: string;
  identity: ForgeIdentity;
  /** The pending pairing code, when the connector was left unpaired. */
  pairingCode: string | undefined;
  /** One scan of the connector's scheduled checks, as of `at` (default now). Returns how many it ran. */
  runChecks(at?: Date): Promise<number>;
  /** Calls a resolver as the page would: from the admin page, as the administrator, unless `as` says otherwise. */
  invoke<T = unknown>(functionKey: AnyResolverKey, payload?: unknown, as?: { user?: string; module?: string }): Promise<ResolverResponse<T>>;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

const quietLogger: Logger = {
  info: () => undefined,
  warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
};

export async function startPreview(options: PreviewOptions): Promise<Preview> {
  const dataDir = path.resolve(options.dataDir);
  const staticDir = path.resolve(options.staticDir ?? path.join(repoRoot(), 'static', 'admin', 'build'));
  const identity = await loadForgeIdentity(dataDir);
  const logger = options.logger ?? quietLogger;

  // The HTTP server first: its URL is the JWKS URL the connector is configured with.
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => void res.writeHead(503).end();
  const jwks = JSON.stringify({ keys: [identity.publicJwk] });
  const server: Server = createServer((req, res) => {
    // The JWKS answers from the start: the connector fetches it while the preview is still starting (pairing).
    if (req.url === '/.well-known/jwks.json') return send(res, 200, 'application/json', jwks);
    handle(req, res).catch((error: unknown) => {
      if (error instanceof RefusedRequest) return refuse(res, error.refusal);
      logger.error('preview request failed', { url: req.url, error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('preview server error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const own = ownOrigins(port);

  let connector: { app: FastifyInstance; runtime: Runtime } | undefined;
  let store: FileKeyValueStore | undefined;
  try {
    const connectorPort = options.connectorPort === undefined || options.connectorPort === 0 ? await freePort() : options.connectorPort;
    const connectorUrl = `http://127.0.0.1:${connectorPort}`;
    const config = loadConfig(
      {
        CONNECTOR_PORT: String(connectorPort),
        CONNECTOR_HOST: '127.0.0.1',
        CONNECTOR_DATA_DIR: path.join(dataDir, 'connector'),
        CONNECTOR_PUBLIC_URL: connectorUrl,
        // The JWKS and local Data Centers are on loopback over plain http: allowed here only.
        CONNECTOR_ALLOWED_HOSTS: '127.0.0.1,localhost',
        FORGE_APP_ID: identity.appId,
        FORGE_JWKS_URL: `${url}/.well-known/jwks.json`,
        CONNECTOR_LOG_LEVEL: options.logLevel ?? 'warn',
      },
      dataDir,
    );
    connector = await openApp(config, createLogger(config.logLevel), { monitoring: options.monitoring });
    const checks = connector.app.connector.monitoring.scheduler;
    if (options.scheduledChecks === true) {
      checks.start();
      connector.app.addHook('preClose', async () => checks.stop());
    }
    await connector.app.listen({ port: connectorPort, host: '127.0.0.1' });

    store = new FileKeyValueStore(path.join(dataDir, 'kvs.json'));
    const invoker: RemoteInvoker = async ({ path: route, method, body, headers }) => {
      const response = await fetch(`${connectorUrl}${route}`, {
        method,
        headers: { ...headers, authorization: `Bearer ${await identity.sign(currentPreviewUser().accountId)}` },
        ...(body === undefined ? {} : { body }),
      });
      return { status: response.status, text: () => response.text() };
    };
    const deps: AppDependencies = {
      store,
      connector: httpConnectorClient(invoker),
      // Only the preview's administrator administers the preview site.
      adminCheck: { isJiraAdministrator: async () => currentPreviewUser().admin },
      // ...and Jira's user API knows them by name.
      users: jiraUserDirectory(previewJiraUsers(Object.fromEntries(PREVIEW_USERS.map((user) => [user.accountId, user.displayName]))), { now: () => new Date(), logger }),
      webTriggers: baseWebTriggerUrls(`${url}/x`),
      // The consent surface in the preview's frame; the account is whoever the frame is signed in as (admin first).
      // Jira Cloud's REST API behind the gateway: a stand-in (Forge's asApp().requestJira cannot run here).
      jira: jiraStandIn(),
      consentPage: { url: async (requestId) => `${url}/?${new URLSearchParams({ module: CONSENT_MODULE_KEY, route: `/consent/${requestId}` }).toString()}` },
      now: () => new Date(),
      logger,
    };
    const app = buildForgeApp(deps);
    const resolver = app.resolver;
    const webTriggers: Record<string, WebTriggerHandler> = app.webTriggers;
    const installContext = `ari:cloud:jira::site/${identity.cloudId}`;
    const invokeAs = async <T>(user: PreviewUser, surface: PreviewSurface, functionKey: AnyResolverKey, payload: unknown): Promise<ResolverResponse<T>> =>
      invokingUser.run(user, async () =>
        (await resolver(
          { call: { functionKey, payload }, context: { extension: { type: surface.extensionType }, moduleKey: surface.moduleKey, cloudId: identity.cloudId, siteUrl: identity.siteUrl } },
          { principal: { accountId: user.accountId }, installContext },
        )) as ResolverResponse<T>,
      );
    const invoke = async <T>(functionKey: AnyResolverKey, payload: unknown = {}, as: { user?: string; module?: string } = {}): Promise<ResolverResponse<T>> => {
      const user = previewUser(as.user);
      const surface = previewSurface(as.module);
      if (user === undefined || surface === undefined) throw new Error(`The preview has no user ${String(as.user)} or module ${String(as.module)}.`);
      return invokeAs<T>(user, surface, functionKey, payload);
    };

    // Pairing: the connector issues a code (as `applinks-connector pair` does); the page's resolver presents it.
    let pairingCode: string | undefined;
    const pairing = new PairingService({ settings: connector.runtime.store.settings, now: () => new Date() });
    if ((await pairing.binding()) === undefined) {
      const { code } = await pairing.issueCode();
      if (options.autoPair === false) {
        pairingCode = code;
      } else {
        const paired = await invoke('pairConnector', { code });
        if (!paired.success) throw new Error(`The preview could not pair the connector: ${JSON.stringify(paired.errors)}`);
      }
    }

    handle = async (req, res) => {
      const requestUrl = new URL(req.url ?? '/', url);
      const route = requestUrl.pathname;
      // Which module and which account a frame or call is for: `?module=<key>&as=<user>`.
      const user = previewUser(requestUrl.searchParams.get('as'));
      const surface = previewSurface(requestUrl.searchParams.get('module'));
      if (user === undefined || surface === undefined) return send(res, 404, 'text/plain', 'the preview has no such user or module');
      if (route === '/' && req.method === 'GET') {
        const theme = requestUrl.searchParams.get('theme') === 'dark' ? 'dark' : 'light';
        return send(res, 200, CONTENT_TYPES['.html']!, framePage({ surface, user, theme, connectorUrl, route: requestUrl.searchParams.get('route') }));
      }
      if (route === '/__preview/bridge.js') return send(res, 200, CONTENT_TYPES['.js']!, BRIDGE_SHIM);
      if (route === '/__preview/context') {
        return send(res, 200, 'application/json', JSON.stringify({ accountId: user.accountId, cloudId: identity.cloudId, siteUrl: identity.siteUrl, moduleKey: surface.moduleKey, extension: { type: surface.extensionType }, locale: 'en-US' }));
      }
      if (route === '/__preview/invoke' && req.method === 'POST') {
        const refusal = checkInvokeRequest(req, own);
        if (refusal !== undefined) return refuse(res, refusal);
        const body = parseJsonBody(await readLimitedBody(req, INVOKE_BODY_LIMIT_BYTES)) as { functionKey?: unknown; payload?: unknown } | null;
        if (typeof body?.functionKey !== 'string') return send(res, 400, 'application/json', JSON.stringify({ error: 'functionKey is required' }));
        const result = await invokeAs(user, surface, body.functionKey as AnyResolverKey, body.payload ?? {});
        return send(res, 200, 'application/json', JSON.stringify(result));
      }
      if (route.startsWith('/x/')) {
        // `/x/<key><userPath>`: the gateway takes the Jira path after its URL, as Forge passes `userPath`.
        const [key = '', ...rest] = route.slice(3).split('/');
        const trigger = webTriggers[key];
        if (trigger === undefined) return send(res, 404, 'text/plain', 'no such web trigger');
        const response = await trigger(
          {
            method: req.method ?? 'GET',
            path: route,
            ...(rest.length === 0 ? {} : { userPath: `/${rest.join('/')}` }),
            headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v : v === undefined ? [] : [v]])),
            queryParameters: Object.fromEntries([...new Set(requestUrl.searchParams.keys())].map((k) => [k, requestUrl.searchParams.getAll(k)])),
            body: await readLimitedBody(req, WEB_TRIGGER_BODY_LIMIT_BYTES),
          },
          { installContext },
        );
        for (const [name, values] of Object.entries(response.headers)) res.setHeader(name, values);
        res.writeHead(response.statusCode).end(response.body);
        return;
      }
      if (route === '/app' || route.startsWith('/app/')) return serveStatic(res, staticDir, route.slice('/app'.length) || '/index.html');
      send(res, 404, 'text/plain', 'not found');
    };

    const openConnector = connector;
    const openStore = store;
    return {
      url,
      connectorUrl,
      identity,
      pairingCode,
      invoke,
      runChecks: (at) => openConnector.app.connector.monitoring.scheduler.runOnce(at?.getTime()),
      async close() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await openConnector.app.close();
        openStore.flush();
      },
    };
  } catch (error) {
    server.closeAllConnections();
    server.close();
    await connector?.app.close().catch(() => undefined);
    store?.flush();
    throw error;
  }
}

function serveStatic(res: ServerResponse, root: string, route: string): void {
  const file = path.join(root, path.normalize(decodeURIComponent(route)).replace(/^([/\\])+/, ''));
  if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
    if (route === '/index.html') {
      return send(res, 503, 'text/plain; charset=utf-8', `The admin page is not built: run npm run build:ui (expected ${root}/index.html).`);
    }
    return send(res, 404, 'text/plain', 'not found');
  }
  let body: string | Buffer = readFileSync(file);
  if (path.basename(file) === 'index.html') {
    // Forge's host defines the bridge before the page runs; here a classic script in <head> does.
    body = body.toString('utf8').replace('<head>', '<head>\n    <script src="/__preview/bridge.js"></script>');
  }
  send(res, 200, CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', body);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

function refuse(res: ServerResponse, refusal: Refusal): void {
  // Connection: close, so an oversized body still on the wire is not read as the next request.
  res.writeHead(refusal.status, { 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close' });
  res.end(JSON.stringify({ error: { code: refusal.code, message: refusal.message } }));
}

/** The folder with package.json above this file (from preview/ in tests, from dist/preview/ when built). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** A free port on 127.0.0.1 (the connector's public URL must name its port before it listens). */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
