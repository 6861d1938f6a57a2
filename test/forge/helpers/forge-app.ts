import type { AnyResolverKey, ResolverKey, ResolverResponse } from '../../../contract';
import type { AdminCheck } from '../../../src/permissions/jira-admin-check';
import type { AppDependencies, AppServices } from '../../../src/app/app-dependencies';
import { buildForgeApp, type ForgeApp } from '../../../src/app/forge-app';
import { httpConnectorClient, type RemoteInvoker } from '../../../src/connector-client/connector-client';
import type { Logger } from '../../../src/logger';
import type { UserDirectory } from '../../../src/users/user-directory';
import { MemoryKeyValueStore, type StoreOperation } from '../../../preview/memory-key-value-store';
import { LeakWatch } from '../../helpers/leak-watch';
import { jiraStandIn } from '../../../preview/jira-stand-in';
import { FakeConnector } from './fake-connector';

export const ADMIN = '5b10a2844c20165700ede21g';
export const NOT_ADMIN = '5b10ac8d82e05b22cc7d4ef5';
/** Where the test app's consent surface is: the pending request id follows. */
export const CONSENT_PAGE = 'https://example.atlassian.net/jira/apps/app-1/env-1/consent/';

/** A clock tests move by hand. */
export class TestClock {
  constructor(private time = Date.parse('2026-03-01T10:00:00.000Z')) {}
  readonly now = (): Date => new Date(this.time);
  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}

/** Keeps every log line, in the JSON form the console logger would print. */
export function recordingLogger(watch: LeakWatch): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ level, message, ...fields });
    lines.push(line);
    watch.record(line);
  };
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

export interface ForgeAppHarness {
  store: MemoryKeyValueStore;
  connector: FakeConnector;
  clock: TestClock;
  logger: Logger & { lines: string[] };
  watch: LeakWatch;
  services: AppServices;
  /** The stand-in for Jira's REST API behind the gateway, with every call it received. */
  jira: ReturnType<typeof jiraStandIn>;
  /** The app's web trigger handlers (token endpoint, ping API), exactly as Forge would call them. */
  webTriggers: ForgeApp['webTriggers'];
  deps: AppDependencies;
  /** Accounts Jira reports as holding Administer. */
  admins: Set<string>;
  /** How often Jira was asked, per account. */
  adminChecks: string[];
  /** Set to make Jira's permission check fail (as when Jira is down). */
  adminCheckError: Error | undefined;
  /** Every storage operation, in order. */
  operations: { operation: StoreOperation; key: string }[];
  /** Calls a resolver through the real `@forge/resolver` handler, as Forge does. */
  invoke<T = unknown>(functionKey: AnyResolverKey, payload?: unknown, accountId?: string | null): Promise<ResolverResponse<T>>;
  /** A successful resolver's data; fails the test otherwise. */
  call<T = unknown>(functionKey: ResolverKey, payload?: unknown): Promise<T>;
}

export function startForgeApp(options: { invoker?: RemoteInvoker; users?: UserDirectory } = {}): ForgeAppHarness {
  const watch = new LeakWatch();
  const clock = new TestClock();
  const operations: { operation: StoreOperation; key: string }[] = [];
  const store = new MemoryKeyValueStore({ now: clock.now, onOperation: (operation, key) => void operations.push({ operation, key }) });
  const connector = new FakeConnector();
  const logger = recordingLogger(watch);
  const admins = new Set([ADMIN]);
  const adminChecks: string[] = [];
  // The account Forge says is calling, as `asUser()` would see it.
  let caller: string | undefined;
  const adminCheck: AdminCheck = {
    isJiraAdministrator: async () => {
      adminChecks.push(caller ?? '');
      if (harness.adminCheckError !== undefined) throw harness.adminCheckError;
      return caller !== undefined && admins.has(caller);
    },
  };
  const jira = jiraStandIn();
  const deps: AppDependencies = {
    store,
    connector: httpConnectorClient(options.invoker ?? connector.invoke),
    adminCheck,
    webTriggers: {
      tokenEndpoint: async () => 'https://example.atlassian-dev.net/x1/token-trigger',
      ping: async () => 'https://example.atlassian-dev.net/x1/ping-trigger',
      authorize: async () => 'https://example.atlassian-dev.net/x1/authorize-trigger',
      revoke: async () => 'https://example.atlassian-dev.net/x1/revoke-trigger',
      metadata: async () => 'https://example.atlassian-dev.net/x1/metadata-trigger',
      gateway: async () => 'https://example.atlassian-dev.net/x1/gateway-trigger',
    },
    consentPage: { url: async (requestId) => `${CONSENT_PAGE}${requestId}` },
    jira,
    now: clock.now,
    logger,
    ...(options.users === undefined ? {} : { users: options.users }),
  };
  const app = buildForgeApp(deps);
  const handler = app.resolver;

  const invoke = async <T>(functionKey: AnyResolverKey, payload?: unknown, accountId: string | null = ADMIN): Promise<ResolverResponse<T>> => {
    caller = accountId ?? undefined;
    // @forge/resolver takes the account from the platform's principal (its second argument), not from `context`.
    const result = (await handler(
      { call: { functionKey, payload }, context: { extension: { type: 'jira:adminPage' }, moduleKey: 'applinks-admin-page' } },
      accountId === null ? {} : { principal: { accountId }, installContext: 'ari:cloud:jira::site/cloud-1' },
    )) as ResolverResponse<T>;
    // The one answer allowed to carry a secret is the one-time issue of incoming credentials;
    // everything else the resolvers answer is checked for leaks.
    const recorded = functionKey === 'issueIncomingCredentials' && result.success ? { ...result, data: { ...(result.data as object), clientSecret: '<shown once>' } } : result;
    watch.record(JSON.stringify(recorded));
    return result;
  };

  const harness: ForgeAppHarness = {
    store,
    connector,
    clock,
    logger,
    watch,
    services: app.services,
    jira,
    webTriggers: app.webTriggers,
    deps,
    admins,
    adminChecks,
    adminCheckError: undefined,
    operations,
    invoke,
    async call<T>(functionKey: ResolverKey, payload?: unknown): Promise<T> {
      const result = await invoke<T>(functionKey, payload);
      if (!result.success) throw new Error(`${functionKey} failed: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
  };
  return harness;
}
