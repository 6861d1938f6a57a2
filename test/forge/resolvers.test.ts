import {
  AuditPageSchema,
  ConnectorStatusViewSchema,
  DeleteLinkResultSchema,
  ForgeLinkViewSchema,
  IssuedIncomingCredentialsSchema,
  LinkPageSchema,
  RESOLVER_KEYS,
  ResolverFailureSchema,
  type AuditPage,
  type ConnectorStatusView,
  type DeleteLinkResult,
  type ForgeLinkView,
  type IssuedIncomingCredentials,
  type LinkPage,
  type ResolverKey,
} from '../../contract';
import { AppError } from '../../src/errors';
import { ADMIN, NOT_ADMIN, startForgeApp, type ForgeAppHarness } from './helpers/forge-app';
import { NO_CREDENTIAL } from './helpers/fake-connector';

const SOME_ID = '7d7e2a8c-1f0b-4c53-9a3e-2b1f4f7c9d10';

/** A well-formed payload for every resolver, so a refusal can only come from the admin check. */
const VALID_PAYLOADS: Record<ResolverKey, unknown> = {
  listLinks: {},
  getLink: { id: SOME_ID },
  createLink: { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' },
  updateLink: { id: SOME_ID, changes: { name: 'Renamed' } },
  deleteLink: { id: SOME_ID },
  relocateLink: { id: SOME_ID, applicationUrl: 'https://jira2.example.com' },
  testConnection: { id: SOME_ID },
  authorizeLink: { id: SOME_ID },
  probeRemote: { url: 'https://jira.example.com' },
  updateExchangeStep: { id: SOME_ID, step: 'remote-incoming-link', status: 'done' },
  issueIncomingCredentials: { id: SOME_ID, scopes: ['READ'] },
  updateIncomingCredentials: { id: SOME_ID, redirectUri: 'https://jira.example.com/plugins/servlet/oauth2/consumer/callback' },
  listIncomingClients: { id: SOME_ID },
  revokeIncomingClient: { id: SOME_ID, clientId: '0123456789abcdef0123456789abcdef' },
  getConnectorStatus: {},
  pairConnector: { code: 'ABCD-EFGH-JKMN-PQRS' },
  listAuditLog: {},
  getLinkHealth: { id: SOME_ID },
  listLinkUsers: { id: SOME_ID },
  disconnectLinkUser: { id: SOME_ID, subject: '712020:someone-else' },
};

const OUTGOING_SECRET = 'dc-issued-secret-0123456789abcdefWXYZ';
const REPLACEMENT_SECRET = 'dc-issued-secret-replacement-9876543210LAST';

async function createJiraLink(app: ForgeAppHarness, overrides: Record<string, unknown> = {}): Promise<ForgeLinkView> {
  return app.call<ForgeLinkView>('createLink', {
    name: 'Jira Data Center',
    remoteKind: 'jira',
    applicationUrl: 'https://jira.example.com/',
    outgoing: { clientId: 'dc-client-id-1', clientSecret: app.watch.secret(OUTGOING_SECRET), scopes: ['WRITE'] },
    ...overrides,
  });
}

function expectFailure(result: unknown, status: number, code: string) {
  const failure = ResolverFailureSchema.parse(result);
  expect(failure.status).toBe(status);
  expect(failure.errors[0]?.code).toBe(code);
  return failure;
}

describe('admin check', () => {
  it.each(RESOLVER_KEYS)('%s answers 403 to a signed-in user who is not a Jira administrator, touching neither storage nor the connector', async (key) => {
    const app = startForgeApp();
    const result = await app.invoke(key, VALID_PAYLOADS[key], NOT_ADMIN);
    const failure = expectFailure(result, 403, 'FORBIDDEN');
    expect(failure.errors[0]?.message).toMatch(/Jira administrators/);
    expect(app.adminChecks).toEqual([NOT_ADMIN]);
    expect(app.operations).toEqual([]);
    expect(app.connector.calls).toEqual([]);
  });

  it.each(RESOLVER_KEYS)('%s answers 403 when Forge names no account, without asking Jira', async (key) => {
    const app = startForgeApp();
    expectFailure(await app.invoke(key, VALID_PAYLOADS[key], null), 403, 'FORBIDDEN');
    expect(app.adminChecks).toEqual([]);
    expect(app.operations).toEqual([]);
  });

  it.each(RESOLVER_KEYS)('%s checks the caller before the payload: a non-admin sending garbage still gets 403, not 400', async (key) => {
    const app = startForgeApp();
    expectFailure(await app.invoke(key, { unexpected: 'x'.repeat(10) }, NOT_ADMIN), 403, 'FORBIDDEN');
  });

  it('refuses with ADMIN_CHECK_FAILED (and does nothing) when Jira cannot say whether the caller is an administrator', async () => {
    const app = startForgeApp();
    app.adminCheckError = new AppError('ADMIN_CHECK_FAILED');
    expectFailure(await app.invoke('createLink', VALID_PAYLOADS.createLink), 503, 'ADMIN_CHECK_FAILED');
    expect(app.operations).toEqual([]);
    expect(app.connector.calls).toEqual([]);
  });

  it('asks Jira once per call, as the calling account', async () => {
    const app = startForgeApp();
    await app.call('listLinks', {});
    await app.call('getConnectorStatus', {});
    expect(app.adminChecks).toEqual([ADMIN, ADMIN]);
  });
});

describe('links', () => {
  it('creates a link: the connector gets the outgoing secret, this site keeps only its fingerprint', async () => {
    const app = startForgeApp();
    const link = ForgeLinkViewSchema.parse(await createJiraLink(app));

    expect(app.connector.secrets.get(link.id)).toBe(OUTGOING_SECRET);
    expect(link.outgoing).toMatchObject({ clientId: 'dc-client-id-1', hasClientSecret: true, scopes: ['WRITE'], redirectUri: 'https://connector.example.test/oauth/callback' });
    expect(link.outgoing.clientSecretFingerprint).toEqual({ last4: 'WXYZ', setAt: '2026-03-01T10:00:00.000Z' });
    expect(link.applicationUrl).toBe('https://jira.example.com');
    expect(link.status).toBe('needs-authorization');
    expect(link.createdBy).toBe(ADMIN);
    expect(link.exchange.next).toBe('remote-incoming-link');
    expect(link.exchange.steps.find((s) => s.id === 'outgoing-credentials')?.status).toBe('done');
    expect(JSON.stringify(app.store.dump())).not.toContain(OUTGOING_SECRET);
  });

  it('keeps no last 4 characters of a secret shorter than 20 characters', async () => {
    const app = startForgeApp();
    const link = await createJiraLink(app, { outgoing: { clientId: 'c', clientSecret: app.watch.secret('short-secret-19char') } });
    expect(link.outgoing.clientSecretFingerprint).toEqual({ last4: null, setAt: '2026-03-01T10:00:00.000Z' });
  });

  it('refuses invalid input with VALIDATION_FAILED and the path of each problem, before calling the connector', async () => {
    const app = startForgeApp();
    const failure = expectFailure(await app.invoke('createLink', { remoteKind: 'jira', applicationUrl: 'ftp://x', extra: true }), 400, 'VALIDATION_FAILED');
    expect(failure.errors.map((e) => e.path).filter(Boolean)).toEqual(expect.arrayContaining(['name', 'applicationUrl']));
    expect(app.connector.calls).toEqual([]);
  });

  it("passes on the connector's refusal with its message and paths", async () => {
    const app = startForgeApp();
    app.connector.failNext('POST', /^\/v1\/links$/, {
      status: 400,
      body: { error: { code: 'HOST_NOT_ALLOWED', message: 'The host is not allowed for outbound calls.', issues: [{ path: 'applicationUrl', message: 'is an internal address' }] } },
    });
    const failure = expectFailure(await app.invoke('createLink', VALID_PAYLOADS.createLink), 400, 'CONNECTOR_REJECTED');
    expect(failure.errors).toEqual([
      { code: 'CONNECTOR_REJECTED', message: 'The host is not allowed for outbound calls.' },
      { code: 'CONNECTOR_REJECTED', message: 'is an internal address', path: 'applicationUrl' },
    ]);
  });

  it('says what to check when the connector cannot be reached', async () => {
    const app = startForgeApp();
    app.connector.unreachable = true;
    const failure = expectFailure(await app.invoke('createLink', VALID_PAYLOADS.createLink), 502, 'CONNECTOR_UNREACHABLE');
    expect(failure.errors[0]?.message).toMatch(/forge:configure/);
  });

  it('lists links by name, a page at a time, from the index', async () => {
    const app = startForgeApp();
    for (const name of ['Charlie', 'alpha', 'Bravo']) await createJiraLink(app, { name });
    const first = LinkPageSchema.parse(await app.call<LinkPage>('listLinks', { limit: 2 }));
    expect(first.items.map((l) => l.name)).toEqual(['alpha', 'Bravo']);
    expect(first.total).toBe(3);
    const second = await app.call<LinkPage>('listLinks', { limit: 2, cursor: first.nextCursor });
    expect(second.items.map((l) => l.name)).toEqual(['Charlie']);
    expect(second.nextCursor).toBeNull();
    expectFailure(await app.invoke('listLinks', { cursor: 'not-a-cursor' }), 400, 'VALIDATION_FAILED');
  });

  it("lists and reads each link's credential state from the connector in one call per page, never storing it", async () => {
    const app = startForgeApp();
    const a = await createJiraLink(app, { name: 'A' });
    const b = await createJiraLink(app, { name: 'B' });
    const valid = { ...NO_CREDENTIAL, state: 'valid' as const, expiresAt: '2026-11-23T13:00:00.000Z', refreshAt: '2026-11-23T12:55:00.000Z', hasRefreshToken: true };
    app.connector.links.set(a.id, { ...app.connector.links.get(a.id)!, credential: valid });
    app.connector.calls.length = 0;
    const page = LinkPageSchema.parse(await app.call<LinkPage>('listLinks', {}));
    expect(page.connectorReachable).toBe(true);
    expect(page.items.map((item) => [item.name, item.credential?.state])).toEqual([
      ['A', 'valid'],
      ['B', 'none'],
    ]);
    expect(app.connector.calls).toEqual([{ method: 'POST', path: '/v1/links/credentials', body: { ids: [a.id, b.id] } }]);
    expect((await app.call<ForgeLinkView>('getLink', { id: a.id })).credential).toEqual(valid);
    // Not kept in kvs: the stored record and the index summary have no credential.
    expect(JSON.stringify(app.store.dump())).not.toContain('12:55:00');

    // The connector lost a link: the list says so rather than guess.
    app.connector.links.delete(b.id);
    expect((await app.call<LinkPage>('listLinks', {})).items.find((item) => item.id === b.id)?.credential).toBeUndefined();

    app.connector.unreachable = true;
    const offline = await app.call<LinkPage>('listLinks', {});
    expect(offline.connectorReachable).toBe(false);
    expect(offline.items.map((item) => item.credential)).toEqual([undefined, undefined]);
    expect((await app.call<ForgeLinkView>('getLink', { id: a.id })).credential).toBeNull();
  });

  it("reads a link with the connector's current status, and still answers when the connector is down", async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    app.connector.links.set(created.id, { ...app.connector.links.get(created.id)!, status: 'connected' });
    const fresh = await app.call<ForgeLinkView>('getLink', { id: created.id });
    expect(fresh).toMatchObject({ status: 'connected', connectorReachable: true });
    expect((await app.call<LinkPage>('listLinks', {})).items[0]?.status).toBe('connected');

    app.connector.unreachable = true;
    expect(await app.call<ForgeLinkView>('getLink', { id: created.id })).toMatchObject({ status: 'connected', connectorReachable: false });
    expectFailure(await app.invoke('getLink', { id: SOME_ID }), 404, 'NOT_FOUND');
  });

  it('updates a link through the connector; a new secret replaces the fingerprint and the audit says it changed, without the value', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    app.clock.advance(60);
    const updated = await app.call<ForgeLinkView>('updateLink', {
      id: created.id,
      expectedVersion: created.version,
      changes: { name: 'Jira DC (prod)', outgoing: { clientSecret: app.watch.secret(REPLACEMENT_SECRET) } },
    });
    expect(updated).toMatchObject({ name: 'Jira DC (prod)', version: created.version + 1, updatedBy: ADMIN });
    expect(updated.outgoing.clientSecretFingerprint).toEqual({ last4: 'LAST', setAt: '2026-03-01T10:01:00.000Z' });
    expect(app.connector.secrets.get(created.id)).toBe(REPLACEMENT_SECRET);

    const audit = await app.call<AuditPage>('listAuditLog', { linkId: created.id });
    expect(audit.items[0]).toMatchObject({ action: 'link.updated', actorAccountId: ADMIN });
    expect(audit.items[0]?.changes).toEqual(
      expect.arrayContaining([
        { field: 'name', from: 'Jira Data Center', to: 'Jira DC (prod)' },
        { field: 'outgoing.clientSecret', from: 'set at 2026-03-01T10:00:00.000Z', to: 'set at 2026-03-01T10:01:00.000Z' },
      ]),
    );
  });

  it('answers CONFLICT to an edit of a version that is no longer current, and changes nothing', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    await app.call('updateLink', { id: created.id, changes: { name: 'First edit' } });
    expectFailure(await app.invoke('updateLink', { id: created.id, expectedVersion: created.version, changes: { name: 'Stale edit' } }), 409, 'CONFLICT');
    expect((await app.call<ForgeLinkView>('getLink', { id: created.id })).name).toBe('First edit');
  });

  it('refuses a URL change in update: moving a link goes through relocate', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    const failure = expectFailure(await app.invoke('updateLink', { id: created.id, changes: { applicationUrl: 'https://elsewhere.example.com' } }), 400, 'VALIDATION_FAILED');
    expect(failure.errors.some((e) => e.path === 'changes')).toBe(true);
  });

  it('removes a secret when the admin clears it', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    const updated = await app.call<ForgeLinkView>('updateLink', { id: created.id, changes: { outgoing: { clientSecret: null } } });
    expect(updated.outgoing).toMatchObject({ hasClientSecret: false, clientSecretFingerprint: null });
    expect(app.connector.secrets.has(created.id)).toBe(false);
  });

  it('relocates a link: the connector is told, the old test result is dropped, the audit records the move', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    await app.call('testConnection', { id: created.id });
    const moved = await app.call<ForgeLinkView>('relocateLink', { id: created.id, applicationUrl: 'https://jira-new.example.com/' });
    expect(moved.applicationUrl).toBe('https://jira-new.example.com');
    expect(moved.lastTest).toBeNull();
    expect(app.connector.calls.some((c) => c.method === 'POST' && c.path === `/v1/links/${created.id}/relocate`)).toBe(true);
    const audit = await app.call<AuditPage>('listAuditLog', { linkId: created.id });
    expect(audit.items[0]).toMatchObject({ action: 'link.relocated', changes: [{ field: 'applicationUrl', from: 'https://jira.example.com', to: 'https://jira-new.example.com' }] });
  });

  it('relocates with the client secret entered again: the connector gets it, this site keeps only its fingerprint, the audit says it was re-entered without the value', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    app.clock.advance(60);
    const moved = await app.call<ForgeLinkView>('relocateLink', { id: created.id, applicationUrl: 'https://jira-new.example.com', clientSecret: app.watch.secret(REPLACEMENT_SECRET) });
    expect(moved.applicationUrl).toBe('https://jira-new.example.com');
    expect(moved.outgoing).toMatchObject({ hasClientSecret: true, clientSecretFingerprint: { last4: 'LAST', setAt: '2026-03-01T10:01:00.000Z' } });
    expect(app.connector.secrets.get(created.id)).toBe(REPLACEMENT_SECRET);
    expect(app.connector.calls.find((c) => c.path === `/v1/links/${created.id}/relocate`)?.body).toEqual({ applicationUrl: 'https://jira-new.example.com', clientSecret: REPLACEMENT_SECRET });
    expect(JSON.stringify(app.store.dump())).not.toContain(REPLACEMENT_SECRET);
    const audit = await app.call<AuditPage>('listAuditLog', { linkId: created.id });
    expect(audit.items[0]).toMatchObject({ action: 'link.relocated', actorAccountId: ADMIN });
    expect(audit.items[0]?.changes).toEqual([
      { field: 'applicationUrl', from: 'https://jira.example.com', to: 'https://jira-new.example.com' },
      { field: 'outgoing.clientSecret', from: 'set at 2026-03-01T10:00:00.000Z', to: 'set at 2026-03-01T10:01:00.000Z' },
    ]);
    expect(JSON.stringify(audit)).not.toContain(REPLACEMENT_SECRET);
  });

  it("passes on the connector's refusal of a move to another origin without the secret, and changes nothing here", async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    const message = 'The link was not moved: its token endpoint would move to https://evil.example.com:443: enter the client secret again in the same request. The connector sends a client secret only to the origin it was entered for.';
    app.connector.failNext('POST', /\/relocate$/, {
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message, issues: [{ path: 'outgoing.clientSecret', message: 'required when the token endpoint moves to another origin' }] } },
    });
    const failure = expectFailure(await app.invoke('relocateLink', { id: created.id, applicationUrl: 'https://evil.example.com' }), 400, 'CONNECTOR_REJECTED');
    expect(failure.errors[0]?.message).toBe(message);
    expect(failure.errors).toContainEqual(expect.objectContaining({ path: 'outgoing.clientSecret' }));
    const after = await app.call<ForgeLinkView>('getLink', { id: created.id });
    expect(after).toMatchObject({ applicationUrl: 'https://jira.example.com', version: created.version, outgoing: { clientSecretFingerprint: created.outgoing.clientSecretFingerprint } });
    expect((await app.call<AuditPage>('listAuditLog', { linkId: created.id })).items.map((i) => i.action)).not.toContain('link.relocated');
  });

  it('moves a placeholder redirect URI with the link, and leaves one the remote showed', async () => {
    const app = startForgeApp();
    const placeholder = await createJiraLink(app, { name: 'Placeholder' });
    // What the admin page sends when the remote's redirect URI is not known yet: its URL, flagged.
    await app.call('issueIncomingCredentials', { id: placeholder.id, scopes: ['READ'], redirectUri: placeholder.applicationUrl, redirectUriIsPlaceholder: true });
    const moved = await app.call<ForgeLinkView>('relocateLink', { id: placeholder.id, applicationUrl: 'https://jira-new.example.com' });
    expect(moved.incoming).toMatchObject({ redirectUri: 'https://jira-new.example.com', redirectUriIsPlaceholder: true });

    const real = await createJiraLink(app, { name: 'Real' });
    await app.call('issueIncomingCredentials', { id: real.id, scopes: ['READ'], redirectUri: 'https://jira.example.com/plugins/servlet/oauth2/consumer/callback', redirectUriIsPlaceholder: false });
    const kept = await app.call<ForgeLinkView>('relocateLink', { id: real.id, applicationUrl: 'https://jira-new.example.com' });
    expect(kept.incoming).toMatchObject({ redirectUri: 'https://jira.example.com/plugins/servlet/oauth2/consumer/callback', redirectUriIsPlaceholder: false });
  });

  it('tests a link through the connector and keeps the result and the new status', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    app.connector.nextTest = {
      ok: true,
      testedAt: '2026-03-01T10:00:05.000Z',
      stages: [{ stage: 'token', status: 'pass', code: 'OK', message: 'Got a token', hint: '', ms: 12 }],
    };
    const { result, link } = await app.call<{ result: unknown; link: ForgeLinkView }>('testConnection', { id: created.id });
    expect(result).toEqual(app.connector.nextTest);
    expect(link.lastTest).toEqual(app.connector.nextTest);
    expect(link.status).toBe('connected');
    expect(link.exchange.steps.filter((s) => ['authorize', 'test-connection'].includes(s.id)).map((s) => s.status)).toEqual(['done', 'done']);
  });

  it('answers CONNECTOR_ERROR, not "link missing", when the connector does not offer an operation', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    app.connector.failNext('POST', /\/test$/, { status: 404, body: { error: { code: 'NOT_FOUND', message: `No route POST /v1/links/${created.id}/test` } } });
    const failure = expectFailure(await app.invoke('testConnection', { id: created.id }), 502, 'CONNECTOR_ERROR');
    expect(failure.errors[0]?.message).toMatch(/upgrade/);
  });
});

describe('delete', () => {
  it("deletes the connector's half first, then this site's half and its incoming credentials, and says what to check in the remote", async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: created.id, scopes: ['READ'] });
    app.operations.length = 0;
    app.connector.calls.length = 0;

    const result = DeleteLinkResultSchema.parse(await app.call<DeleteLinkResult>('deleteLink', { id: created.id }));
    expect(result.connector).toBe('deleted');
    expect(result.remote.removed).toBe(false);
    expect(result.remote.whatToCheck.join('\n')).toMatch(/dc-client-id-1/);
    expect(result.remote.whatToCheck.join('\n')).toContain(issued.incoming.clientId);
    expect(result.remote.whatToCheck.join('\n')).toContain('https://jira.example.com');
    expect(app.connector.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`DELETE /v1/links/${created.id}`]);
    // The connector went first: nothing in kvs changed before its answer.
    expect(app.operations[0]).toEqual({ operation: 'getEntity', key: created.id });
    expect(app.operations.slice(1).map((o) => o.operation)).toContain('transact');

    expect(app.connector.links.has(created.id)).toBe(false);
    expect((await app.call<LinkPage>('listLinks', {})).items).toEqual([]);
    expectFailure(await app.invoke('getLink', { id: created.id }), 404, 'NOT_FOUND');
    expect(await app.services.clients.find(issued.incoming.clientId)).toBeUndefined();
    expect((await app.call<AuditPage>('listAuditLog', {})).items[0]).toMatchObject({ action: 'link.deleted', linkId: created.id, linkName: 'Jira Data Center' });
  });

  it('deletes nothing when the connector cannot be reached, and says how to force it', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    app.connector.unreachable = true;
    const failure = expectFailure(await app.invoke('deleteLink', { id: created.id }), 502, 'CONNECTOR_UNREACHABLE');
    expect(failure.errors[0]?.message).toMatch(/Nothing was deleted.*force/);
    expect((await app.call<LinkPage>('listLinks', {})).total).toBe(1);
  });

  it("with force, removes this site's half anyway and says the connector still holds the link", async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    app.connector.unreachable = true;
    const result = await app.call<DeleteLinkResult>('deleteLink', { id: created.id, force: true });
    expect(result.connector).toBe('not-deleted');
    expect(result.remote.whatToCheck.join('\n')).toMatch(/connector could not be reached.*still holds/);
    expect((await app.call<LinkPage>('listLinks', {})).total).toBe(0);
  });

  it('treats a link the connector no longer has as already deleted there', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    app.connector.links.delete(created.id);
    expect((await app.call<DeleteLinkResult>('deleteLink', { id: created.id })).connector).toBe('already-gone');
  });

  it('for an external provider, tells the admin to remove the OAuth client there', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app, { name: 'Google', remoteKind: 'google', applicationUrl: 'https://accounts.google.com', outgoing: { clientId: 'g-client' } });
    const result = await app.call<DeleteLinkResult>('deleteLink', { id: created.id });
    expect(result.remote.whatToCheck).toEqual([expect.stringMatching(/In Google, delete the OAuth client g-client/)]);
  });
});

describe('exchange steps', () => {
  it('marks a step done in the remote with who and when, and the audit records it', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    app.clock.advance(30);
    const link = await app.call<ForgeLinkView>('updateExchangeStep', { id: created.id, step: 'remote-incoming-link', status: 'done' });
    expect(link.exchange.steps[0]).toMatchObject({ id: 'remote-incoming-link', status: 'done', updatedBy: ADMIN, updatedAt: '2026-03-01T10:00:30.000Z', actor: 'remote-admin' });
    expect(link.exchange.next).toBe('incoming-credentials');
    const audit = await app.call<AuditPage>('listAuditLog', { linkId: created.id });
    expect(audit.items[0]).toMatchObject({ action: 'link.exchange-step', changes: [{ field: 'exchange.remote-incoming-link', from: 'pending', to: 'done' }] });
  });

  it('refuses to set by hand a step that completes by itself', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    expectFailure(await app.invoke('updateExchangeStep', { id: created.id, step: 'test-connection', status: 'done' }), 400, 'STEP_NOT_MANUAL');
  });

  it('has no incoming steps for an external provider, and refuses to set one', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app, { name: 'Google', remoteKind: 'google', applicationUrl: 'https://accounts.google.com', outgoing: { clientId: 'g' } });
    expect(created.exchange.steps.map((s) => s.id)).toEqual(['remote-incoming-link', 'outgoing-credentials', 'authorize', 'test-connection']);
    expectFailure(await app.invoke('updateExchangeStep', { id: created.id, step: 'remote-outgoing-link', status: 'done' }), 400, 'STEP_NOT_MANUAL');
    const none = await createJiraLink(app, { name: 'Public', authKind: 'none', outgoing: undefined });
    expectFailure(await app.invoke('updateExchangeStep', { id: none.id, step: 'remote-incoming-link', status: 'done' }), 400, 'VALIDATION_FAILED');
  });

  it('shows who does what for a Data Center remote, and which value moves where', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    expect(created.exchange.steps.map((s) => [s.id, s.actor, s.mode])).toEqual([
      ['remote-incoming-link', 'remote-admin', 'manual'],
      ['outgoing-credentials', 'site-admin', 'automatic'],
      ['incoming-credentials', 'site-admin', 'automatic'],
      ['remote-outgoing-link', 'remote-admin', 'automatic'],
      ['redirect-uri', 'site-admin', 'automatic'],
      ['authorize', 'site-admin', 'automatic'],
      ['test-connection', 'site-admin', 'automatic'],
    ]);
    expect(created.exchange.steps[0]?.moves).toEqual({ value: 'redirect URI https://connector.example.test/oauth/callback', from: 'this Jira site', to: 'Jira Data Center' });
  });
});

describe('incoming credentials', () => {
  it('issues a client ID and a secret shown once, kept only as a salted hash, with the redirect URI flagged as a placeholder', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    const issued = IssuedIncomingCredentialsSchema.parse(await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: created.id, scopes: ['WRITE'] }));
    app.watch.secret(issued.clientSecret);

    expect(issued.clientSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.incoming).toMatchObject({
      clientId: expect.stringMatching(/^[0-9a-f]{32}$/),
      scopes: ['WRITE'],
      redirectUri: null,
      redirectUriIsPlaceholder: true,
      clientSecretFingerprint: { last4: issued.clientSecret.slice(-4), setAt: '2026-03-01T10:00:00.000Z' },
      tokenEndpointUrl: 'https://example.atlassian-dev.net/x1/token-trigger',
      pingUrl: 'https://example.atlassian-dev.net/x1/ping-trigger',
    });
    const dump = app.store.dump();
    expect(JSON.stringify(dump)).not.toContain(issued.clientSecret);
    // One hash per issued secret, under a key of its own (a racing writer cannot overwrite it).
    const hashKeys = Object.keys(dump.secrets).filter((key) => key.startsWith(`incoming-secret:${issued.incoming.clientId}:`));
    expect(hashKeys).toHaveLength(1);
    const hash = JSON.parse(dump.secrets[hashKeys[0]!]!);
    expect(hash).toEqual({ alg: 'hmac-sha256', salt: expect.any(String), digest: expect.any(String), generation: 1 });

    const link = await app.call<ForgeLinkView>('getLink', { id: created.id });
    expect(JSON.stringify(link)).not.toContain(issued.clientSecret);
    expect(link.exchange.steps.find((s) => s.id === 'redirect-uri')?.status).toBe('pending');
    expect(await app.services.clients.authenticate(issued.incoming.clientId, issued.clientSecret)).toMatchObject({ linkId: created.id, scopes: ['WRITE'] });
  });

  it('replaces the placeholder redirect URI, which completes that step', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    await app.call('issueIncomingCredentials', { id: created.id, scopes: ['READ'], redirectUri: 'https://jira.example.com', redirectUriIsPlaceholder: true });
    expect((await app.call<ForgeLinkView>('getLink', { id: created.id })).incoming).toMatchObject({ redirectUri: 'https://jira.example.com', redirectUriIsPlaceholder: true });
    const link = await app.call<ForgeLinkView>('updateIncomingCredentials', { id: created.id, redirectUri: 'https://jira.example.com/plugins/servlet/oauth2/consumer/callback' });
    expect(link.incoming).toMatchObject({ redirectUri: 'https://jira.example.com/plugins/servlet/oauth2/consumer/callback', redirectUriIsPlaceholder: false });
    expect(link.exchange.steps.find((s) => s.id === 'redirect-uri')?.status).toBe('done');
  });

  it('issuing again keeps the client ID, retires the old secret, and changes the scopes the token endpoint grants', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    const first = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: created.id, scopes: ['READ'] });
    const second = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: created.id, scopes: ['ADMIN'] });
    expect(second.incoming.clientId).toBe(first.incoming.clientId);
    expect(second.clientSecret).not.toBe(first.clientSecret);
    expect(await app.services.clients.authenticate(first.incoming.clientId, first.clientSecret)).toBeUndefined();
    expect(await app.services.clients.authenticate(second.incoming.clientId, second.clientSecret)).toMatchObject({ scopes: ['ADMIN'] });
    const audit = await app.call<AuditPage>('listAuditLog', { linkId: created.id });
    expect(audit.items[0]?.action).toBe('incoming.issued');
    expect(JSON.stringify(audit)).not.toContain(second.clientSecret);
  });

  it("marks the remote's outgoing-link step done only when the remote obtains a token with the current secret, never by hand", async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    const step = async () => (await app.call<ForgeLinkView>('getLink', { id: created.id })).exchange.steps.find((s) => s.id === 'remote-outgoing-link')?.status;
    const obtainToken = async (clientId: string, clientSecret: string) =>
      app.webTriggers['oauth-token']({
        method: 'POST',
        headers: { 'Content-Type': ['application/x-www-form-urlencoded'] },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
      });
    const first = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: created.id, scopes: ['READ'] });
    app.watch.secret(first.clientSecret);
    expectFailure(await app.invoke('updateExchangeStep', { id: created.id, step: 'remote-outgoing-link', status: 'done' }), 400, 'STEP_NOT_MANUAL');
    expect(await step()).toBe('pending');
    expect((await obtainToken(first.incoming.clientId, first.clientSecret)).statusCode).toBe(200);
    expect(await step()).toBe('done');
    // A new secret: the remote still holds the old one, and tokens of the old generation do not count.
    const second = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: created.id, scopes: ['READ'] });
    app.watch.secret(second.clientSecret);
    expect(await step()).toBe('pending');
    expect((await obtainToken(first.incoming.clientId, first.clientSecret)).statusCode).toBe(401);
    expect(await step()).toBe('pending');
    expect((await obtainToken(second.incoming.clientId, second.clientSecret)).statusCode).toBe(200);
    expect(await step()).toBe('done');
  });


  it('has none for an external provider or an unauthenticated link', async () => {
    const app = startForgeApp();
    const google = await createJiraLink(app, { name: 'Google', remoteKind: 'google', applicationUrl: 'https://accounts.google.com', outgoing: { clientId: 'g' } });
    expectFailure(await app.invoke('issueIncomingCredentials', { id: google.id, scopes: ['READ'] }), 400, 'INCOMING_NOT_AVAILABLE');
    const none = await createJiraLink(app, { name: 'Public', authKind: 'none', outgoing: undefined });
    expectFailure(await app.invoke('issueIncomingCredentials', { id: none.id, scopes: ['READ'] }), 400, 'INCOMING_NOT_AVAILABLE');
    expectFailure(await app.invoke('updateIncomingCredentials', { id: google.id, scopes: ['READ'] }), 400, 'INCOMING_NOT_ISSUED');
  });

  it('refuses scopes this site does not grant', async () => {
    const app = startForgeApp();
    const created = await createJiraLink(app);
    const failure = expectFailure(await app.invoke('issueIncomingCredentials', { id: created.id, scopes: ['SYSTEM_ADMIN'] }), 400, 'VALIDATION_FAILED');
    expect(failure.errors.some((e) => e.path === 'scopes.0')).toBe(true);
  });
});

describe('connector pairing', () => {
  it('reports an unpaired connector, pairs with the code, and records who paired it', async () => {
    const app = startForgeApp();
    const before = ConnectorStatusViewSchema.parse(await app.call<ConnectorStatusView>('getConnectorStatus', {}));
    expect(before).toMatchObject({ reachable: true, paired: false, problem: null });

    const code = app.watch.secret(app.connector.pairingCode);
    const after = await app.call<ConnectorStatusView>('pairConnector', { code: code.toLowerCase() });
    expect(after).toMatchObject({ reachable: true, paired: true, installationId: expect.stringContaining('installation/'), connectorVersion: '0.1.0' });
    const audit = await app.call<AuditPage>('listAuditLog', {});
    expect(audit.items[0]).toMatchObject({ action: 'connector.paired', actorAccountId: ADMIN, linkId: null });
    expect(JSON.stringify(app.store.dump())).not.toContain(code);
  });

  it("passes on the connector's refusal of a wrong code", async () => {
    const app = startForgeApp();
    const failure = expectFailure(await app.invoke('pairConnector', { code: 'WXYZ-WXYZ-WXYZ-WXYZ' }), 409, 'CONNECTOR_FORBIDDEN');
    expect(failure.errors).toContainEqual({ code: 'CONNECTOR_FORBIDDEN', message: 'does not match the pending pairing code', path: 'code' });
    expect(failure.errors[0]?.message).toMatch(/run applinks-connector pair again/);
  });

  it('reports an unreachable connector as a status, with what to check', async () => {
    const app = startForgeApp();
    app.connector.unreachable = true;
    const status = await app.call<ConnectorStatusView>('getConnectorStatus', {});
    expect(status).toMatchObject({ reachable: false, paired: false, problem: { code: 'CONNECTOR_UNREACHABLE' } });
  });
});

describe('audit log', () => {
  it('lists who changed what, newest first, site-wide or for one link, a page at a time', async () => {
    const app = startForgeApp();
    const a = await createJiraLink(app, { name: 'A' });
    app.clock.advance(1);
    const b = await createJiraLink(app, { name: 'B' });
    app.clock.advance(1);
    await app.call('updateLink', { id: a.id, changes: { name: 'A2' } });

    const all = AuditPageSchema.parse(await app.call<AuditPage>('listAuditLog', { limit: 2 }));
    expect(all.items.map((e) => [e.action, e.linkName])).toEqual([
      ['link.updated', 'A2'],
      ['link.created', 'B'],
    ]);
    const rest = await app.call<AuditPage>('listAuditLog', { limit: 2, cursor: all.nextCursor });
    expect(rest.items.map((e) => [e.action, e.linkName])).toEqual([['link.created', 'A']]);
    expect(rest.nextCursor).toBeNull();

    const ofB = await app.call<AuditPage>('listAuditLog', { linkId: b.id });
    expect(ofB.items).toHaveLength(1);
    expect(ofB.items[0]).toMatchObject({ action: 'link.created', actorAccountId: ADMIN, at: '2026-03-01T10:00:01.000Z' });
    expect(ofB.items[0]?.changes).toContainEqual({ field: 'outgoing.clientSecret', from: null, to: 'set at 2026-03-01T10:00:01.000Z' });
  });

  it('records nothing for an edit that changed nothing', async () => {
    const app = startForgeApp();
    const link = await createJiraLink(app);
    await app.call('updateLink', { id: link.id, changes: { name: link.name } });
    await app.call('updateExchangeStep', { id: link.id, step: 'remote-incoming-link', status: 'pending' });
    expect((await app.call<AuditPage>('listAuditLog', { linkId: link.id })).items.map((e) => e.action)).toEqual(['link.created']);
  });

  it('keeps the order of entries written in the same millisecond', async () => {
    const app = startForgeApp();
    const link = await createJiraLink(app);
    for (const name of ['one', 'two', 'three']) await app.call('updateLink', { id: link.id, changes: { name } });
    const audit = await app.call<AuditPage>('listAuditLog', { linkId: link.id });
    expect(audit.items.map((e) => e.linkName)).toEqual(['three', 'two', 'one', 'Jira Data Center']);
    expect(new Set(audit.items.map((e) => e.at)).size).toBe(1);
  });
});

describe('secrets', () => {
  it('never appear in kvs values, resolver answers (but the one-time issue), audit entries or logs', async () => {
    const app = startForgeApp();
    const link = await createJiraLink(app);
    await app.call('updateLink', { id: link.id, changes: { outgoing: { clientSecret: app.watch.secret(REPLACEMENT_SECRET) } } });
    await app.invoke('createLink', { ...(VALID_PAYLOADS.createLink as object), outgoing: { clientSecret: app.watch.secret('rejected-secret-0000000000000000') }, bogus: 1 });
    const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['READ'] });
    app.watch.secret(issued.clientSecret);
    await app.call('pairConnector', { code: app.watch.secret(app.connector.pairingCode) });
    await app.call('testConnection', { id: link.id });
    await app.call('getLink', { id: link.id });
    await app.call('listAuditLog', {});
    await app.call('deleteLink', { id: link.id });

    const dump = app.store.dump();
    for (const value of Object.values(dump.values)) app.watch.record(value);
    // The encrypted store holds hashes only: not even kvs.setSecret gets a secret this app issued.
    for (const value of Object.values(dump.secrets)) app.watch.record(value);
    expect(app.watch.recordedCount).toBeGreaterThan(15);
    expect(app.logger.lines.length).toBeGreaterThan(0);
    expect(app.watch.leaks()).toEqual([]);
  });
});
