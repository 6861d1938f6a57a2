import { ResolverFailureSchema, type ForgeLinkView, type MyLinkConnections } from '../../contract';
import { ADMIN, NOT_ADMIN, startForgeApp, type ForgeAppHarness } from './helpers/forge-app';

/**
 * The Forge side of per-user links: the users' page resolvers need no admin permission and name
 * no user (the connector reads the caller from the invocation token), the admin's user resolvers
 * are audited. The connector here is the in-memory fake; the principal rule itself is proven
 * against the real connector in test/connector/credentials/per-user.test.ts.
 */
async function perUserLink(app: ForgeAppHarness): Promise<ForgeLinkView> {
  return app.call<ForgeLinkView>('createLink', { name: 'Jira as you', remoteKind: 'jira', applicationUrl: 'https://jira.example.com', authKind: 'oauth2-impersonation' });
}

const CONNECTION = { state: 'connected', remoteUsername: 'jdoe', remoteDisplayName: null, connectedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T01:00:00.000Z', disconnectedAt: null, lastErrorCode: null };

it('lists the per-user links to any signed-in user, without asking Jira for admin, and sends the connector no account id', async () => {
  const app = startForgeApp();
  const link = await perUserLink(app);
  await app.call('createLink', { name: 'Jira as one account', remoteKind: 'jira', applicationUrl: 'https://jira2.example.com', authKind: 'oauth2' });
  app.adminChecks.length = 0;
  app.connector.failNext('POST', /^\/v1\/me\/connections$/, { status: 200, body: { items: [{ linkId: link.id, ...CONNECTION }] } });
  const answer = await app.invoke<MyLinkConnections>('listMyConnections', {}, NOT_ADMIN);
  expect(answer.success).toBe(true);
  expect(answer.success && answer.data.items.map((i) => [i.link.name, i.connection?.remoteUsername])).toEqual([['Jira as you', 'jdoe']]);
  expect(app.adminChecks).toEqual([]);
  const sent = app.connector.calls.at(-1)!;
  expect(sent).toEqual({ method: 'POST', path: '/v1/me/connections', body: { ids: [link.id] } });
  expect(JSON.stringify(sent)).not.toContain(NOT_ADMIN);
});

it('refuses a payload that names a user, a link that acts as one account, and a caller Forge does not name, before calling the connector', async () => {
  const app = startForgeApp();
  const link = await perUserLink(app);
  const plain = await app.call<ForgeLinkView>('createLink', { name: 'One account', remoteKind: 'jira', applicationUrl: 'https://jira2.example.com', authKind: 'oauth2' });
  const before = app.connector.calls.length;
  const failure = async (key: 'connectMyAccount' | 'disconnectMyAccount' | 'listMyConnections', payload: unknown, who: string | null = NOT_ADMIN) =>
    ResolverFailureSchema.parse(await app.invoke(key, payload, who)).errors[0]!.code;
  expect(await failure('connectMyAccount', { id: link.id, accountId: ADMIN })).toBe('VALIDATION_FAILED');
  expect(await failure('disconnectMyAccount', { id: link.id, subject: ADMIN })).toBe('VALIDATION_FAILED');
  expect(await failure('listMyConnections', { subject: ADMIN })).toBe('VALIDATION_FAILED');
  expect(await failure('connectMyAccount', { id: plain.id })).toBe('VALIDATION_FAILED');
  expect(await failure('connectMyAccount', { id: link.id }, null)).toBe('FORBIDDEN');
  expect(app.connector.calls.length).toBe(before);
});

it("an admin's disconnect of a user is audited with who, whom and what the remote said; a non-admin cannot", async () => {
  const app = startForgeApp();
  const link = await perUserLink(app);
  const refused = ResolverFailureSchema.parse(await app.invoke('disconnectLinkUser', { id: link.id, subject: '712020:someone' }, NOT_ADMIN));
  expect(refused.errors[0]!.code).toBe('FORBIDDEN');
  app.connector.failNext('DELETE', /^\/v1\/links\/[^/]+\/users\/712020%3Asomeone$/, { status: 200, body: { disconnected: true, remote: 'unreachable' } });
  expect(await app.call('disconnectLinkUser', { id: link.id, subject: '712020:someone' })).toEqual({ disconnected: true, remote: 'unreachable' });
  const audit = await app.call<{ items: { action: string; actorAccountId: string; changes: unknown[] }[] }>('listAuditLog', { linkId: link.id });
  expect(audit.items[0]).toMatchObject({
    action: 'user.disconnected',
    actorAccountId: ADMIN,
    changes: [
      { field: 'user', from: '712020:someone', to: null },
      { field: 'remote revocation', from: null, to: 'unreachable' },
    ],
  });
});
