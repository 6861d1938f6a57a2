import type { AuditPage, ForgeLinkView, IncomingClientList, IssuedIncomingCredentials } from '../../contract';
import { impliedCloudScopes } from '../../contract';
import { hashSecret, randomSecret } from '../../src/incoming/secret-hash';
import { buildForgeApp } from '../../src/app/forge-app';
import { LinkRepository } from '../../src/storage/link-repository';
import { startForgeApp, type ForgeAppHarness } from './helpers/forge-app';
import { mint, orphans, ping } from './helpers/incoming-probe';

/**
 * Issue 17, items 1 and 3: the one-time sweep of clients kept the old way, listing and revoking a
 * link's clients from the admin page's resolvers, and narrowing a grant narrowing live tokens.
 */

async function bitbucketLink(app: ForgeAppHarness, name = 'Bitbucket DC'): Promise<ForgeLinkView> {
  return app.call<ForgeLinkView>('createLink', { name, remoteKind: 'bitbucket', applicationUrl: `https://${name.toLowerCase().replace(/\W/g, '')}.example.com` });
}

/**
 * A client as the code before the entity store wrote it: a lookup record and a hash overwritten in
 * place, and tokens minted for it. Answers its secret and an access token.
 */
async function oldClient(app: ForgeAppHarness, clientId: string, linkId: string, generation: number): Promise<{ secret: string; accessToken: string }> {
  const secret = app.watch.secret(randomSecret());
  await app.store.set(`incoming-client:${clientId}`, { linkId, generation, scopes: ['ADMIN'] });
  await app.store.setSecret(`incoming-secret:${clientId}`, { ...hashSecret(secret), generation });
  const tokens = await app.services.tokens.issue({ clientId, linkId, generation, scopes: ['ADMIN'] }, ['ADMIN']);
  return { secret, accessToken: app.watch.secret(tokens.access_token) };
}

/** Makes the link name a client the way the old code did: in the link record only. */
async function nameInLink(app: ForgeAppHarness, linkId: string, clientId: string, generation: number): Promise<void> {
  const repository = new LinkRepository(app.store);
  const link = (await repository.get(linkId))!;
  const fingerprint = { last4: 'abcd', setAt: app.clock.now().toISOString() };
  await repository.save({
    ...link,
    version: link.version + 1,
    incoming: { clientId, scopes: ['ADMIN'], redirectUri: null, redirectUriIsPlaceholder: true, clientSecretFingerprint: fingerprint, issuedAt: app.clock.now().toISOString(), generation },
  });
}

describe('the one-time sweep of incoming clients kept before the upgrade', () => {
  it('keeps the client its link names and retires the orphans (link gone, another client, old generation) with their tokens', async () => {
    const app = startForgeApp();
    const kept = await bitbucketLink(app, 'Kept');
    const deleted = await bitbucketLink(app, 'Deleted');
    const live = 'a'.repeat(32);
    const sameLinkOther = 'b'.repeat(32);
    const oldGeneration = 'c'.repeat(32);
    const ofDeletedLink = 'd'.repeat(32);
    await nameInLink(app, kept.id, live, 2);
    const good = await oldClient(app, live, kept.id, 2);
    // Two concurrent first issues left a second client ID pointing at the same link.
    const other = await oldClient(app, sameLinkOther, kept.id, 1);
    // Found by the issue: a lookup record whose generation the link has moved past.
    const stale = await oldClient(app, oldGeneration, kept.id, 1);
    await nameInLink(app, deleted.id, ofDeletedLink, 1);
    const gone = await oldClient(app, ofDeletedLink, deleted.id, 1);
    // The link was deleted while its client survived (the old delete raced an issue).
    await new LinkRepository(app.store).remove((await new LinkRepository(app.store).get(deleted.id))!);
    // Nothing has read a client since: the old layout is all there, the orphans with it.
    expect(Object.keys(app.store.dump().values).filter((key) => key.startsWith('incoming-client:'))).toHaveLength(4);

    // The first request after the upgrade runs the sweep before it reads any client.
    expect(await mint(app, live, good.secret)).toBeDefined();
    expect(await ping(app, good.accessToken)).toEqual(['ADMIN']);
    for (const [clientId, orphan] of [[sameLinkOther, other], [oldGeneration, stale], [ofDeletedLink, gone]] as const) {
      expect(await mint(app, clientId, orphan.secret)).toBeUndefined();
      expect(await ping(app, orphan.accessToken)).toBeUndefined();
    }
    expect(orphans(app)).toEqual([]);
    expect(Object.keys(app.store.dump().secrets).filter((key) => /^incoming-secret:[0-9a-f]{32}$/.test(key))).toEqual([]);
    const list = await app.call<IncomingClientList>('listIncomingClients', { id: kept.id });
    expect(list.items.map((c) => c.clientId)).toEqual([live]);
    expect(app.logger.lines.filter((line) => line.includes('Swept incoming clients'))).toEqual([expect.stringContaining('"migrated":1,"retired":3')]);
  });

  it("runs from Forge's upgrade trigger, before any request", async () => {
    const app = startForgeApp();
    const link = await bitbucketLink(app);
    const orphan = await oldClient(app, 'f'.repeat(32), link.id, 1);
    await buildForgeApp(app.deps).upgraded();
    expect(Object.keys(app.store.dump().values).filter((key) => key.startsWith('incoming-client:'))).toEqual([]);
    expect(await ping(app, orphan.accessToken)).toBeUndefined();
    expect(orphans(app)).toEqual([]);
  });

  it('runs once per installation: a later instance finds the marker and sweeps nothing', async () => {
    const app = startForgeApp();
    const link = await bitbucketLink(app);
    await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['READ'] });
    // A lookup record written after the sweep (it cannot be, but if it were) is not read again.
    await app.store.set(`incoming-client:${'e'.repeat(32)}`, { linkId: link.id, generation: 1, scopes: ['READ'] });
    const later = startForgeApp();
    later.store.restore(app.store.snapshot());
    await later.services.clients.ready();
    expect(later.store.dump().values[`incoming-client:${'e'.repeat(32)}`]).toBeDefined();
  });
});

describe('listing and revoking incoming clients', () => {
  it('lists the active client with its scopes, when issued and when last used; revoking it stops its secret and tokens at once, audited', async () => {
    const app = startForgeApp();
    const link = await bitbucketLink(app);
    const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['WRITE'] });
    const secret = app.watch.secret(issued.clientSecret);
    const before = await app.call<IncomingClientList>('listIncomingClients', { id: link.id });
    expect(before.items).toEqual([{ clientId: issued.incoming.clientId, scopes: ['WRITE'], issuedAt: '2026-03-01T10:00:00.000Z', lastUsedAt: null, generation: 1 }]);
    app.clock.advance(60);
    const tokens = (await mint(app, issued.incoming.clientId, secret))!;
    expect((await app.call<IncomingClientList>('listIncomingClients', { id: link.id })).items[0]?.lastUsedAt).toBe('2026-03-01T10:01:00.000Z');

    const view = await app.call<ForgeLinkView>('revokeIncomingClient', { id: link.id, clientId: issued.incoming.clientId });
    expect(view.incoming).toBeNull();
    expect(await mint(app, issued.incoming.clientId, secret)).toBeUndefined();
    expect(await ping(app, tokens.accessToken)).toBeUndefined();
    expect((await app.call<IncomingClientList>('listIncomingClients', { id: link.id })).items).toEqual([]);
    expect(orphans(app)).toEqual([]);
    const audit = await app.call<AuditPage>('listAuditLog', { linkId: link.id });
    expect(audit.items[0]).toMatchObject({ action: 'incoming.revoked', changes: [{ field: 'incoming.clientId', from: issued.incoming.clientId, to: null }] });
    // Issuing again starts a new client.
    const again = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['READ'] });
    expect(again.incoming.clientId).not.toBe(issued.incoming.clientId);
    expect(app.watch.leaks()).toEqual([]);
  });

  it("refuses to revoke a client the link does not have, and another link's client", async () => {
    const app = startForgeApp();
    const a = await bitbucketLink(app, 'A');
    const b = await bitbucketLink(app, 'B');
    const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: a.id, scopes: ['READ'] });
    const refused = await app.invoke('revokeIncomingClient', { id: b.id, clientId: issued.incoming.clientId });
    expect(refused.success).toBe(false);
    expect(refused.success ? null : refused.errors[0]?.code).toBe('NOT_FOUND');
    expect(await mint(app, issued.incoming.clientId, issued.clientSecret)).toBeDefined();
  });
});

describe('narrowing a grant narrows live tokens (issue 17, item 3)', () => {
  it('ADMIN -> READ: the ADMIN access token minted before no longer passes an ADMIN check', async () => {
    const app = startForgeApp();
    const link = await bitbucketLink(app);
    const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: ['ADMIN'] });
    const tokens = (await mint(app, issued.incoming.clientId, app.watch.secret(issued.clientSecret)))!;
    const admin = async () => impliedCloudScopes((await ping(app, tokens.accessToken)) ?? []).has('ADMIN');
    expect(await admin()).toBe(true);

    await app.call('updateIncomingCredentials', { id: link.id, scopes: ['READ'] });
    expect(await admin()).toBe(false);
    expect(await ping(app, tokens.accessToken)).toEqual(['READ']);
    const check = await app.services.tokens.checkAccess(tokens.accessToken);
    expect(check).toMatchObject({ valid: true, scopes: ['READ'] });
    // Scopes are read at every check: widening again gives the token back what it was minted with, never more.
    await app.call('updateIncomingCredentials', { id: link.id, scopes: ['ADMIN'] });
    expect(await ping(app, tokens.accessToken)).toEqual(['ADMIN']);
  });
});
