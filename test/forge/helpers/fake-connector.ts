import { randomUUID } from 'node:crypto';
import {
  CONNECTOR_ROUTES,
  CreateLinkInputSchema,
  CredentialSummariesInputSchema,
  ForgePairInputSchema,
  LinkViewSchema,
  REMOTE_PRESETS,
  effectiveProviderSettings,
  RelocateLinkInputSchema,
  UpdateLinkInputSchema,
  type ForgeChannelStatus,
  type LinkView,
  type TestConnectionResult,
} from '../../../contract';
import type { RemoteInvoker } from '../../../src/connector-client/connector-client';

/** What the real connector reports for a link that was never authorized. */
export const NO_CREDENTIAL: LinkView['credential'] = {
  state: 'none',
  expiresAt: null,
  refreshAt: null,
  hasRefreshToken: false,
  failedRefreshes: 0,
  lastErrorCode: null,
  users: { authorized: 0, needReauthorization: 0, soonestExpiry: null },
};

type Call = { method: string; path: string; body: unknown };
type Reply = { status: number; body?: unknown };

/**
 * A connector in memory that answers the routes the Forge app calls, with the connector's status
 * codes and `{error: {code, message}}` bodies, behind the same `RemoteInvoker` that wraps
 * `invokeRemote` in Forge. It holds outgoing secrets, as the real one does, so tests can check
 * that they arrived there and nowhere else.
 */
export class FakeConnector {
  readonly calls: Call[] = [];
  readonly links = new Map<string, LinkView>();
  /** What the connector holds for each link: the secrets the admin typed. */
  readonly secrets = new Map<string, string>();
  unreachable = false;
  pairingCode = 'ABCD-EFGH-JKMN-PQRS';
  paired: ForgeChannelStatus = { paired: false, installationId: null, cloudId: null, pairedAt: null, connectorVersion: '0.1.0' };
  nextTest: TestConnectionResult = { ok: true, testedAt: '2026-01-01T00:00:00.000Z', stages: [] };
  private readonly overrides: { method: string; path: RegExp; reply: Reply }[] = [];

  /** Answers the next matching call with this reply instead of the normal behaviour. */
  failNext(method: string, path: RegExp, reply: Reply): void {
    this.overrides.push({ method, path, reply });
  }

  readonly invoke: RemoteInvoker = async ({ path, method, body }) => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.unreachable) throw new Error('connect ECONNREFUSED (fake)');
    const parsedBody: unknown = body === undefined ? undefined : JSON.parse(body);
    this.calls.push({ method, path, body: parsedBody });
    const override = this.overrides.findIndex((o) => o.method === method && o.path.test(path));
    const reply = override >= 0 ? this.overrides.splice(override, 1)[0]!.reply : this.route(method, path, parsedBody);
    return { status: reply.status, text: async () => (reply.body === undefined ? '' : JSON.stringify(reply.body)) };
  };

  private route(method: string, path: string, body: unknown): Reply {
    const linkMatch = /^\/v1\/links\/([^/]+)(?:\/(relocate|test))?$/.exec(path);
    if (method === 'POST' && path === CONNECTOR_ROUTES.links) return this.create(body);
    if (method === 'POST' && path === CONNECTOR_ROUTES.credentialSummaries) return this.credentialSummaries(body);
    if (method === 'GET' && path === CONNECTOR_ROUTES.forgeStatus) return { status: 200, body: this.paired };
    if (method === 'POST' && path === CONNECTOR_ROUTES.forgePair) return this.pair(body);
    if (linkMatch !== null) {
      const id = decodeURIComponent(linkMatch[1]!);
      const link = this.links.get(id);
      if (link === undefined) return error(404, 'NOT_FOUND', `No link with id ${id}.`);
      const action = linkMatch[2];
      if (action === undefined && method === 'GET') return { status: 200, body: link };
      if (action === undefined && method === 'PATCH') return this.update(link, body);
      if (action === undefined && method === 'DELETE') {
        this.links.delete(id);
        this.secrets.delete(id);
        return { status: 204 };
      }
      if (action === 'relocate' && method === 'POST') {
        const input = RelocateLinkInputSchema.safeParse(body);
        if (!input.success) return error(400, 'VALIDATION_FAILED', 'bad relocate body');
        // A secret entered with the move replaces the stored one. (The refusal of a move to another
        // token origin without it is the real connector's, tested in test/connector/discovery.)
        const secret = input.data.clientSecret;
        if (secret !== undefined) this.secrets.set(link.id, secret);
        const now = new Date().toISOString();
        const outgoing = secret === undefined ? link.outgoing : { ...link.outgoing, hasClientSecret: true, clientSecretFingerprint: { last4: secret.length >= 20 ? secret.slice(-4) : null, setAt: now } };
        return this.save({ ...link, applicationUrl: input.data.applicationUrl.replace(/\/+$/, ''), displayUrl: input.data.displayUrl ?? link.displayUrl, outgoing });
      }
      if (action === 'test' && method === 'POST') {
        if (this.nextTest.ok) this.save({ ...link, status: 'connected' });
        return { status: 200, body: this.nextTest };
      }
    }
    return error(404, 'NOT_FOUND', `No route ${method} ${path}`);
  }

  private credentialSummaries(body: unknown): Reply {
    const parsed = CredentialSummariesInputSchema.safeParse(body);
    if (!parsed.success) return error(400, 'VALIDATION_FAILED', 'The request does not match what this endpoint accepts.');
    const items = parsed.data.ids.flatMap((id) => {
      const link = this.links.get(id);
      return link === undefined ? [] : [{ id, credential: link.credential }];
    });
    return { status: 200, body: { items } };
  }

  private create(body: unknown): Reply {
    const parsed = CreateLinkInputSchema.safeParse(body);
    if (!parsed.success) return error(400, 'VALIDATION_FAILED', 'The request does not match what this endpoint accepts.', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    const input = parsed.data;
    const preset = REMOTE_PRESETS[input.remoteKind];
    const id = randomUUID();
    const now = new Date().toISOString();
    const secret = input.outgoing?.clientSecret;
    if (secret !== undefined) this.secrets.set(id, secret);
    const link: LinkView = {
      id,
      name: input.name,
      remoteKind: input.remoteKind,
      applicationUrl: input.applicationUrl.replace(/\/+$/, ''),
      displayUrl: input.displayUrl ?? null,
      authKind: input.authKind,
      status: 'needs-configuration',
      statusReason: null,
      credential: NO_CREDENTIAL,
      checkIntervalMinutes: input.checkIntervalMinutes === undefined ? 15 : input.checkIntervalMinutes,
      outgoing: {
        clientId: input.outgoing?.clientId ?? null,
        hasClientSecret: secret !== undefined,
        clientSecretFingerprint: secret === undefined ? null : { last4: secret.length >= 20 ? secret.slice(-4) : null, setAt: now },
        scopes: input.outgoing?.scopes ?? [...preset.defaultScopes],
        authorizationEndpoint: null,
        tokenEndpoint: null,
        revocationEndpoint: null,
        apiProbeUrl: null,
        tenant: null,
        grantType: input.outgoing?.grantType ?? preset.defaultGrant,
        secretExpiresAt: input.outgoing?.secretExpiresAt ?? null,
        ...effectiveProviderSettings(input.remoteKind, input.outgoing ?? {}),
        redirectUri: 'https://connector.example.test/oauth/callback',
      },
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    this.save(link);
    return { status: 201, body: this.links.get(id) };
  }

  private update(link: LinkView, body: unknown): Reply {
    const parsed = UpdateLinkInputSchema.safeParse(body);
    if (!parsed.success) return error(400, 'VALIDATION_FAILED', 'The request does not match what this endpoint accepts.');
    const changes = parsed.data;
    const o = changes.outgoing ?? {};
    const now = new Date().toISOString();
    if (typeof o.clientSecret === 'string') this.secrets.set(link.id, o.clientSecret);
    if (o.clientSecret === null) this.secrets.delete(link.id);
    const secret = this.secrets.get(link.id);
    return this.save({
      ...link,
      name: changes.name ?? link.name,
      displayUrl: changes.displayUrl === undefined ? link.displayUrl : changes.displayUrl,
      authKind: changes.authKind ?? link.authKind,
      outgoing: {
        ...link.outgoing,
        clientId: o.clientId === undefined ? link.outgoing.clientId : o.clientId,
        scopes: o.scopes ?? link.outgoing.scopes,
        hasClientSecret: secret !== undefined,
        clientSecretFingerprint:
          o.clientSecret === undefined ? link.outgoing.clientSecretFingerprint : secret === undefined ? null : { last4: secret.length >= 20 ? secret.slice(-4) : null, setAt: now },
      },
      updatedAt: now,
      version: link.version + 1,
    });
  }

  private pair(body: unknown): Reply {
    const input = ForgePairInputSchema.safeParse(body);
    if (!input.success) return error(400, 'VALIDATION_FAILED', 'bad pairing body');
    if (input.data.code.replace(/[\s-]/g, '').toUpperCase() !== this.pairingCode.replace(/-/g, '')) {
      return error(403, 'FORBIDDEN', 'That pairing code is not the one the connector issued: run applinks-connector pair again and enter the new code.', [{ path: 'code', message: 'does not match the pending pairing code' }]);
    }
    this.paired = { paired: true, installationId: 'ari:cloud:ecosystem::installation/11111111-2222-3333-4444-555555555555', cloudId: 'cloud-1', pairedAt: new Date().toISOString(), connectorVersion: '0.1.0' };
    return { status: 200, body: this.paired };
  }

  private save(link: LinkView): Reply {
    const status = link.authKind === 'none' ? 'outgoing-only' : link.status === 'connected' ? 'connected' : link.outgoing.hasClientSecret && link.outgoing.clientId !== null ? 'needs-authorization' : 'needs-configuration';
    const saved = LinkViewSchema.parse({ ...link, status });
    this.links.set(saved.id, saved);
    return { status: 200, body: saved };
  }
}

function error(status: number, code: string, message: string, issues?: { path: string; message: string }[]): Reply {
  return { status, body: { error: { code, message, ...(issues === undefined ? {} : { issues }) } } };
}
