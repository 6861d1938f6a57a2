import type { z } from 'zod';
import {
  CONNECTOR_ROUTES,
  INCLUDE_HEALTH_HEADER,
  ErrorEnvelopeSchema,
  CredentialSummariesSchema,
  LinkHealthSchema,
  TransitionListSchema,
  AuthorizeLinkResultSchema,
  DeleteLinkAnswerSchema,
  PREFER_REPORT,
  ForgeChannelStatusSchema,
  LinkViewSchema,
  ProbeResultSchema,
  TestConnectionResultSchema,
  type AuthorizeLinkResult,
  type CreateLinkInput,
  type CredentialSummary,
  type HealthTransition,
  type LinkHealth,
  type LinkHealthSummary,
  type ForgeChannelStatus,
  type ForgeErrorCode,
  type LinkRevocationReport,
  type LinkView,
  type ProbeInput,
  type ProbeResult,
  type RelocateLinkInput,
  type TestConnectionResult,
  type UpdateLinkInput,
  type DisconnectResult,
  type LinkUserPage,
  type UserConnection,
  DisconnectResultSchema,
  LinkUserPageSchema,
  MyConnectionsSchema,
  USER_CONNECTION_ROUTES,
} from '../../contract';
import { AppError } from '../errors';

/**
 * The connector as the Forge app sees it. Everything that touches the remote application or an
 * outgoing secret goes through here: the app forwards secrets and never keeps them.
 */
export interface ConnectorClient {
  createLink(input: CreateLinkInput): Promise<LinkView>;
  getLink(id: string): Promise<LinkView>;
  /** The credentials' state and expiry of these links (at most 500), by link id; links the connector lacks are absent. */
  credentialSummaries(ids: string[]): Promise<Map<string, { credential: CredentialSummary; health?: LinkHealthSummary | undefined }>>;
  updateLink(id: string, changes: UpdateLinkInput): Promise<LinkView>;
  /**
   * `already-gone` when the connector has no such link: deleting is then already done. `revocation`:
   * how the connector's tokens fared at the remote's revocation endpoint, null when the connector
   * did not say (an older release answers 204).
   */
  deleteLink(id: string): Promise<{ outcome: 'deleted' | 'already-gone'; revocation: LinkRevocationReport | null }>;
  relocateLink(id: string, input: RelocateLinkInput): Promise<LinkView>;
  testConnection(id: string): Promise<TestConnectionResult>;
  /** Starts the outgoing link's authorization on the connector: the URL to open in the admin's browser. */
  authorize(id: string): Promise<AuthorizeLinkResult>;
  /** What is at a URL: the remote's kind, version, OAuth 2.0 support and display URL. */
  probe(input: ProbeInput): Promise<ProbeResult>;
  pair(code: string): Promise<ForgeChannelStatus>;
  status(): Promise<ForgeChannelStatus>;
  /** A link's health: 30 days of scheduled checks, uptime, transitions, forecasts. */
  health(id: string): Promise<LinkHealth>;
  /** Status transitions of every link recorded at or after `since`, oldest first. */
  transitions(since: string): Promise<HealthTransition[]>;
  /** The invoking user's connections to these links: the connector reads the user from the invocation token. */
  myConnections(ids: string[]): Promise<UserConnection[]>;
  /** Starts connecting the invoking user's own account on an impersonating link. */
  connectMe(id: string): Promise<AuthorizeLinkResult>;
  /** Ends the invoking user's own connection (revoked at the remote when it can be, then deleted). */
  disconnectMe(id: string): Promise<DisconnectResult>;
  /** The users connected to a link, a page at a time (admin resolvers only). */
  linkUsers(id: string, page: { limit: number; cursor?: string | undefined }): Promise<LinkUserPage>;
  /** Ends one user's connection (admin resolvers only). */
  disconnectUser(id: string, subject: string): Promise<DisconnectResult>;
}

/** One HTTP call to the connector: `invokeRemote('connector', …)` in Forge, anything in tests. */
export type RemoteInvoker = (request: { path: string; method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; body?: string; headers: Record<string, string> }) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

/** Below Forge's 25 s per resolver call, so the resolver can still answer with a reason. */
export const CONNECTOR_TIMEOUT_MS = 20_000;

/** Thrown for every failed connector call; the code says what the admin should look at. */
export class ConnectorError extends AppError {
  constructor(
    code: ForgeErrorCode,
    message: string | undefined,
    readonly httpStatus: number | undefined,
    issues: { path: string; message: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super(code, message, issues, options);
  }
}

export function httpConnectorClient(invoke: RemoteInvoker, options: { timeoutMs?: number } = {}): ConnectorClient {
  const timeoutMs = options.timeoutMs ?? CONNECTOR_TIMEOUT_MS;

  async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, schema: z.ZodType<T> | null, extraHeaders: Record<string, string> = {}): Promise<T> {
    let response: { status: number; text(): Promise<string> };
    let text: string;
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const request = invoke({ path, method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      response = await withTimeout(request, timeoutMs);
      text = await withTimeout(response.text(), timeoutMs);
    } catch (error) {
      throw new ConnectorError('CONNECTOR_UNREACHABLE', undefined, undefined, [], { cause: error });
    }
    if (response.status >= 200 && response.status < 300) {
      if (schema === null || response.status === 204) return undefined as T;
      const parsed = schema.safeParse(parseJson(text));
      if (!parsed.success) throw new ConnectorError('CONNECTOR_ERROR', 'The connector answered in a shape this app does not understand: are both on the same release?', response.status, [], { cause: parsed.error });
      return parsed.data;
    }
    throw errorFor(response.status, parseJson(text));
  }

  return {
    createLink: (input) => call('POST', CONNECTOR_ROUTES.links, input, LinkViewSchema),
    getLink: (id) => call('GET', CONNECTOR_ROUTES.link(id), undefined, LinkViewSchema),
    credentialSummaries: async (ids) => {
      if (ids.length === 0) return new Map();
      const { items } = await call('POST', CONNECTOR_ROUTES.credentialSummaries, { ids }, CredentialSummariesSchema, { [INCLUDE_HEALTH_HEADER]: '1' });
      return new Map(items.map((item) => [item.id, { credential: item.credential, health: item.health }]));
    },
    updateLink: (id, changes) => call('PATCH', CONNECTOR_ROUTES.link(id), changes, LinkViewSchema),
    deleteLink: async (id) => {
      try {
        // RFC 7240: ask for what was revoked; a connector without revocation answers 204 as before.
        const answer = await call('DELETE', CONNECTOR_ROUTES.link(id), undefined, DeleteLinkAnswerSchema.optional(), { prefer: PREFER_REPORT });
        return { outcome: 'deleted', revocation: answer?.revocation ?? null };
      } catch (error) {
        if (error instanceof ConnectorError && error.code === 'CONNECTOR_LINK_MISSING') return { outcome: 'already-gone', revocation: null };
        throw error;
      }
    },
    relocateLink: (id, input) => call('POST', CONNECTOR_ROUTES.relocate(id), input, LinkViewSchema),
    testConnection: (id) => call('POST', CONNECTOR_ROUTES.test(id), {}, TestConnectionResultSchema),
    authorize: (id) => call('POST', CONNECTOR_ROUTES.authorize(id), {}, AuthorizeLinkResultSchema),
    probe: (input) => call('POST', CONNECTOR_ROUTES.probe, input, ProbeResultSchema),
    pair: (code) => call('POST', CONNECTOR_ROUTES.forgePair, { code }, ForgeChannelStatusSchema),
    status: () => call('GET', CONNECTOR_ROUTES.forgeStatus, undefined, ForgeChannelStatusSchema),
    health: (id) => call('GET', CONNECTOR_ROUTES.health(id), undefined, LinkHealthSchema),
    transitions: async (since) => (await call('GET', `${CONNECTOR_ROUTES.transitions}?since=${encodeURIComponent(since)}&limit=200`, undefined, TransitionListSchema)).items,
    myConnections: async (ids) => (ids.length === 0 ? [] : (await call('POST', USER_CONNECTION_ROUTES.myConnections, { ids }, MyConnectionsSchema)).items),
    connectMe: (id) => call('POST', USER_CONNECTION_ROUTES.myConnect(id), {}, AuthorizeLinkResultSchema),
    disconnectMe: (id) => call('DELETE', USER_CONNECTION_ROUTES.myConnection(id), undefined, DisconnectResultSchema),
    linkUsers: (id, page) => call('GET', USER_CONNECTION_ROUTES.linkUsers(id, page), undefined, LinkUserPageSchema),
    disconnectUser: (id, subject) => call('DELETE', USER_CONNECTION_ROUTES.linkUser(id, subject), undefined, DisconnectResultSchema),
  };
}

/** Maps the connector's `{error: {code, message}}` answer to what the admin should do. */
function errorFor(status: number, body: unknown): ConnectorError {
  const envelope = ErrorEnvelopeSchema.safeParse(body);
  const detail = envelope.success ? envelope.data.error : undefined;
  if (status === 401) return new ConnectorError('CONNECTOR_UNAUTHENTICATED', undefined, status);
  // Not paired yet, paired with another site, or a wrong pairing code: the connector's message says which.
  if (status === 403) return new ConnectorError('CONNECTOR_FORBIDDEN', detail?.message, status, detail?.issues ?? []);
  if (status === 404) {
    // The connector answers an unknown route with "No route …": an older connector, not a missing link.
    if (detail?.message.startsWith('No route') === true) {
      return new ConnectorError('CONNECTOR_ERROR', 'The connector does not offer this operation: upgrade it to the release that matches this app.', status);
    }
    return new ConnectorError('CONNECTOR_LINK_MISSING', undefined, status);
  }
  if (status === 409) return new ConnectorError('CONFLICT', detail?.message, status);
  if (status === 429) return new ConnectorError('CONNECTOR_REJECTED', detail?.message ?? 'The connector is rate limiting this site: try again in a minute.', status);
  if (status >= 400 && status < 500 && detail !== undefined) {
    // The connector's 4xx messages are written for the admin and never echo a secret.
    return new ConnectorError('CONNECTOR_REJECTED', detail.message, status, detail.issues ?? []);
  }
  return new ConnectorError('CONNECTOR_ERROR', undefined, status);
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
