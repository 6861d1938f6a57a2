import type { AuthorizeLinkResult, DeleteLinkResult, ForgeLinkView, ProbeResult } from '../../contract';
import type { RemoteInvoker } from '../../src/connector-client/connector-client';
import { startTestConnector, type TestConnector } from '../helpers/connector-app';
import { startForgeApp, type ForgeAppHarness } from './helpers/forge-app';

/**
 * The resolvers against the real connector's links API (in process, on SQLite). Forge Remote
 * would send a Forge invocation token; here the invoker sends the operator token instead, since
 * verifying invocation tokens is the connector's own concern and tested there.
 */

const SECRET = 'secret-from-jira-dc-incoming-link-7Q9Z';
let connector: TestConnector;
let app: ForgeAppHarness;

beforeEach(async () => {
  connector = await startTestConnector();
  const invoker: RemoteInvoker = async ({ path, method, body, headers }) => {
    const response = await connector.request({ method, url: path, headers, ...(body === undefined ? {} : { payload: body }) });
    return { status: response.statusCode, text: async () => response.body };
  };
  app = startForgeApp({ invoker });
});
afterEach(async () => {
  await connector.close();
});

describe('resolvers with the real connector', () => {
  it('creates, reads, updates and deletes a link; the connector holds the secret, kvs only its fingerprint', async () => {
    app.watch.secret(SECRET);
    connector.watch.secret(SECRET);
    const created = await app.call<ForgeLinkView>('createLink', {
      name: 'Jira DC',
      remoteKind: 'jira',
      applicationUrl: 'https://jira.example.com/',
      outgoing: { clientId: 'dc-client', clientSecret: SECRET, scopes: ['WRITE'] },
    });
    expect(created).toMatchObject({
      applicationUrl: 'https://jira.example.com',
      status: 'needs-authorization',
      outgoing: { clientId: 'dc-client', hasClientSecret: true, clientSecretFingerprint: { last4: '7Q9Z' }, redirectUri: 'https://connector.example.test/oauth/callback' },
    });
    // The connector has it, sealed in its vault.
    expect((await connector.store.links.get(created.id))?.outgoing.clientSecretLast4).toBe('7Q9Z');

    const renamed = await app.call<ForgeLinkView>('updateLink', { id: created.id, expectedVersion: created.version, changes: { name: 'Jira DC prod', outgoing: { scopes: ['READ'] } } });
    expect(renamed).toMatchObject({ name: 'Jira DC prod', outgoing: { scopes: ['READ'], hasClientSecret: true } });
    expect((await app.call<ForgeLinkView>('getLink', { id: created.id })).connectorReachable).toBe(true);

    const deleted = await app.call<DeleteLinkResult>('deleteLink', { id: created.id });
    expect(deleted.connector).toBe('deleted');
    // The connector reported its revocation (it held no tokens for this link): the app asked for it.
    expect(deleted.revocation).toEqual({
      connectorTokens: { endpoint: 'https://jira.example.com/rest/oauth2/latest/revoke', own: null, users: { credentials: 0, revoked: 0, notRevoked: 0, codes: [] } },
      incomingClients: [],
    });
    expect(await connector.store.links.get(created.id)).toBeUndefined();

    for (const value of Object.values(app.store.dump().values)) app.watch.record(value);
    expect(app.watch.leaks()).toEqual([]);
    expect(connector.watch.leaks()).toEqual([]);
  });

  it('authorizeLink answers the connector\'s authorization URL (PKCE); probeRemote answers what the connector found', async () => {
    const created = await app.call<ForgeLinkView>('createLink', {
      name: 'Jira DC',
      remoteKind: 'jira',
      applicationUrl: 'https://jira.example.com',
      outgoing: { clientId: 'dc-client', clientSecret: SECRET, scopes: ['READ'] },
    });
    const started = await app.call<AuthorizeLinkResult>('authorizeLink', { id: created.id });
    const url = new URL(started.authorizationUrl!);
    expect(`${url.origin}${url.pathname}`).toBe('https://jira.example.com/rest/oauth2/latest/authorize');
    expect(url.searchParams.get('client_id')).toBe('dc-client');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe('https://connector.example.test/oauth/callback');

    // Loopback is not in this connector's CONNECTOR_ALLOWED_HOSTS: refused, with the field and the reason.
    const refused = await app.invoke<ProbeResult>('probeRemote', { url: 'http://127.0.0.1:9/jira' });
    expect(refused).toMatchObject({ success: false, status: 400, errors: expect.arrayContaining([expect.objectContaining({ code: 'CONNECTOR_REJECTED', path: 'url' })]) });
  });

  it("passes on the real connector's validation errors with their paths", async () => {
    const result = await app.invoke('createLink', { name: 'Bitbucket', remoteKind: 'bitbucket', applicationUrl: 'https://bb.example.com', outgoing: { scopes: ['NOT_A_SCOPE'] } });
    expect(result).toMatchObject({ success: false, status: 400, errors: expect.arrayContaining([expect.objectContaining({ code: 'CONNECTOR_REJECTED', path: 'outgoing.scopes.0' })]) });
  });
});
