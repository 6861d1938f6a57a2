import type { ForgeLinkView, IssuedIncomingCredentials } from '../../contract';
import type { IncomingClient } from '../../src/incoming/incoming-clients';
import { OAuthEndpointError } from '../../src/incoming/oauth-error';
import { tokenDigest } from '../../src/incoming/secret-hash';
import { ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_SECONDS, TokenService } from '../../src/incoming/token-service';
import { KEYS } from '../../src/storage/keys';
import { MemoryKeyValueStore } from '../../preview/memory-key-value-store';
import { startForgeApp, type ForgeAppHarness } from './helpers/forge-app';

/**
 * The cloud token service on its own: what an issued token is stored as and for how long, the
 * scope rules, each reason a refresh is refused, and what an access check answers. The clients
 * are the app's real incoming clients; tokens live in the in-memory kvs (with Forge's TTLs, or
 * serving expired values as Forge may, to prove expiry is checked here).
 */

interface Setup {
  app: ForgeAppHarness;
  store: MemoryKeyValueStore;
  tokens: TokenService;
  client: IncomingClient;
  clientId: string;
  linkId: string;
}

async function setup(options: { scopes?: string[]; lagging?: boolean } = {}): Promise<Setup> {
  const app = startForgeApp();
  const link = await app.call<ForgeLinkView>('createLink', { name: 'Bitbucket DC', remoteKind: 'bitbucket', applicationUrl: 'https://bitbucket.example.com' });
  const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: options.scopes ?? ['WRITE'] });
  const store = new MemoryKeyValueStore({ now: app.clock.now, hideExpired: options.lagging === true ? false : undefined });
  let ids = 0;
  const tokens = new TokenService({ store, clients: app.services.clients, now: app.clock.now, logger: app.logger, newId: () => `family-${(ids += 1)}` });
  const client = await app.services.clients.find(issued.incoming.clientId);
  if (client === undefined) throw new Error('the issued client is not found');
  return { app, store, tokens, client, clientId: issued.incoming.clientId, linkId: link.id };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; description: string } | 'accepted'> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (error instanceof OAuthEndpointError) return { code: error.code, description: error.description };
    throw error;
  }
}

const INVALID_GRANT = { code: 'invalid_grant', description: 'The refresh token is invalid, expired, revoked, or was issued to another client.' };

describe('issued tokens', () => {
  it('answer as RFC 6749 section 5.1 says, with two different 256-bit tokens', async () => {
    const s = await setup();
    const response = await s.tokens.issue(s.client, ['READ', 'WRITE']);
    expect(response).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), token_type: 'Bearer', expires_in: 3600, refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), scope: 'READ WRITE' });
    expect(response.access_token).not.toBe(response.refresh_token);
  });

  it('are stored under their digest only, with their client, scopes, family and expiry', async () => {
    const s = await setup();
    const now = s.app.clock.now();
    const response = await s.tokens.issue(s.client, ['WRITE']);
    const base = { clientId: s.clientId, linkId: s.linkId, generation: s.client.generation, scopes: ['WRITE'], familyId: 'family-1', issuedAt: now.toISOString(), consumedAt: null };
    expect(await s.store.get(KEYS.token(tokenDigest(response.access_token)))).toEqual({ ...base, kind: 'access', expiresAt: new Date(now.getTime() + 3600_000).toISOString() });
    expect(await s.store.get(KEYS.token(tokenDigest(response.refresh_token)))).toEqual({ ...base, kind: 'refresh', expiresAt: new Date(now.getTime() + 90 * 86400_000).toISOString() });
    expect(await s.store.get(KEYS.token(response.access_token))).toBeUndefined();
  });

  it('leave kvs when they expire: the access token after an hour, the refresh token after 90 days', async () => {
    const s = await setup();
    const response = await s.tokens.issue(s.client, ['WRITE']);
    const stored = (token: string) => s.store.get(KEYS.token(tokenDigest(token)));
    s.app.clock.advance(ACCESS_TOKEN_SECONDS - 1);
    expect(await stored(response.access_token)).toBeDefined();
    s.app.clock.advance(1);
    expect(await stored(response.access_token)).toBeUndefined();
    s.app.clock.advance(REFRESH_TOKEN_SECONDS - ACCESS_TOKEN_SECONDS - 1);
    expect(await stored(response.refresh_token)).toBeDefined();
    s.app.clock.advance(1);
    expect(await stored(response.refresh_token)).toBeUndefined();
  });
});

describe('scopes of a token request', () => {
  it.each([
    [['WRITE'], undefined, ['WRITE']],
    [['WRITE'], '', ['WRITE']],
    [['WRITE'], '   ', ['WRITE']],
    [['ADMIN'], 'READ', ['READ']],
    [['WRITE'], 'READ  WRITE READ', ['READ', 'WRITE']],
    [['READ', 'WRITE'], undefined, ['READ', 'WRITE']],
  ] as const)('granted %j, asked %j: %j', async (granted, requested, expected) => {
    const s = await setup();
    expect(s.tokens.scopesFor([...granted], requested)).toEqual(expected);
  });

  it('refuses with invalid_scope, naming every scope asked for and not granted', async () => {
    const s = await setup();
    expect(await refusal(Promise.resolve().then(() => s.tokens.scopesFor(['WRITE'], 'READ ADMIN OTHER')))).toEqual({
      code: 'invalid_scope',
      description: 'These scopes are not granted to this client: ADMIN, OTHER.',
    });
  });
});

describe('refresh', () => {
  it('issues a new pair in the same family with the scopes asked for', async () => {
    const s = await setup();
    const first = await s.tokens.issue(s.client, ['WRITE']);
    const second = await s.tokens.refresh(s.client, first.refresh_token, 'READ');
    expect(second.scope).toBe('READ');
    expect(await s.store.get(KEYS.token(tokenDigest(second.access_token)))).toMatchObject({ familyId: 'family-1', scopes: ['READ'] });
  });

  it('refuses an access token presented as a refresh token, and an unknown one', async () => {
    const s = await setup();
    const issued = await s.tokens.issue(s.client, ['WRITE']);
    expect(await refusal(s.tokens.refresh(s.client, issued.access_token, undefined))).toEqual(INVALID_GRANT);
    expect(await refusal(s.tokens.refresh(s.client, 'made-up', undefined))).toEqual(INVALID_GRANT);
  });

  it('refuses a refresh token at its expiry instant, even when kvs still serves it', async () => {
    const s = await setup({ lagging: true });
    const first = await s.tokens.issue(s.client, ['WRITE']);
    const second = await s.tokens.issue(s.client, ['WRITE']);
    s.app.clock.advance(REFRESH_TOKEN_SECONDS - 1);
    expect(await refusal(s.tokens.refresh(s.client, first.refresh_token, undefined))).toBe('accepted');
    s.app.clock.advance(1);
    expect(await refusal(s.tokens.refresh(s.client, second.refresh_token, undefined))).toEqual(INVALID_GRANT);
  });

  it('refuses a refresh token of an earlier generation of the same client', async () => {
    const s = await setup();
    const issued = await s.tokens.issue(s.client, ['WRITE']);
    expect(await refusal(s.tokens.refresh({ ...s.client, generation: s.client.generation + 1 }, issued.refresh_token, undefined))).toEqual(INVALID_GRANT);
  });

  it('still knows a consumed refresh token as a replay on the last second of its life', async () => {
    const s = await setup();
    const issued = await s.tokens.issue(s.client, ['WRITE']);
    await s.tokens.refresh(s.client, issued.refresh_token, undefined);
    s.app.clock.advance(REFRESH_TOKEN_SECONDS - 1);
    expect(await refusal(s.tokens.refresh(s.client, issued.refresh_token, undefined))).toEqual({
      code: 'invalid_grant',
      description: 'The refresh token was already used. Every token issued from it has been revoked: get new tokens with the client credentials.',
    });
  });

  it('keeps a family revoked for as long as its refresh tokens live', async () => {
    const s = await setup();
    const issued = await s.tokens.issue(s.client, ['WRITE']);
    const next = await s.tokens.refresh(s.client, issued.refresh_token, undefined);
    await refusal(s.tokens.refresh(s.client, issued.refresh_token, undefined));
    s.app.clock.advance(REFRESH_TOKEN_SECONDS - 1);
    expect(await refusal(s.tokens.refresh(s.client, next.refresh_token, undefined))).toEqual(INVALID_GRANT);
    expect(await s.store.get(KEYS.tokenFamily('family-1'))).toMatchObject({ reason: 'refresh token reused' });
  });
});

describe('access check', () => {
  it('answers the client, link, scopes and expiry of a valid access token', async () => {
    const s = await setup();
    const now = s.app.clock.now();
    const issued = await s.tokens.issue(s.client, ['READ']);
    expect(await s.tokens.checkAccess(issued.access_token)).toEqual({ valid: true, clientId: s.clientId, linkId: s.linkId, scopes: ['READ'], expiresAt: new Date(now.getTime() + 3600_000).toISOString() });
  });

  it('knows a refresh token presented as an access token as unknown', async () => {
    const s = await setup();
    const issued = await s.tokens.issue(s.client, ['READ']);
    expect(await s.tokens.checkAccess(issued.refresh_token)).toEqual({ valid: false, reason: 'unknown' });
  });

  it('says expired at the expiry instant, even when kvs still serves the token', async () => {
    const s = await setup({ lagging: true });
    const issued = await s.tokens.issue(s.client, ['READ']);
    s.app.clock.advance(ACCESS_TOKEN_SECONDS - 1);
    expect(await s.tokens.checkAccess(issued.access_token)).toMatchObject({ valid: true });
    s.app.clock.advance(1);
    expect(await s.tokens.checkAccess(issued.access_token)).toEqual({ valid: false, reason: 'expired' });
  });

  it('says revoked for a token of another generation or another link than its client now has', async () => {
    const s = await setup();
    const older = await s.tokens.issue({ ...s.client, generation: s.client.generation - 1 }, ['READ']);
    expect(await s.tokens.checkAccess(older.access_token)).toEqual({ valid: false, reason: 'revoked' });
    const moved = await s.tokens.issue({ ...s.client, linkId: 'another-link' }, ['READ']);
    expect(await s.tokens.checkAccess(moved.access_token)).toEqual({ valid: false, reason: 'revoked' });
  });
});

describe('what a refresh keeps, and for how long', () => {
  it('keeps the token\'s own scopes when they are all still granted', async () => {
    const s = await setup();
    const issued = await s.tokens.issue(s.client, ['WRITE']);
    expect((await s.tokens.refresh(s.client, issued.refresh_token, undefined)).scope).toBe('WRITE');
  });

  it('refuses with invalid_scope when none of the token\'s scopes is granted any more', async () => {
    const s = await setup();
    const issued = await s.tokens.issue(s.client, ['WRITE']);
    expect(await refusal(s.tokens.refresh({ ...s.client, scopes: [] }, issued.refresh_token, undefined))).toEqual({
      code: 'invalid_scope',
      description: 'None of the scopes of this refresh token is granted to the client any more.',
    });
  });

  it('lets a consumed refresh token and a revoked family leave kvs when the refresh token would have expired', async () => {
    const s = await setup();
    const issued = await s.tokens.issue(s.client, ['WRITE']);
    s.app.clock.advance(1000);
    await s.tokens.refresh(s.client, issued.refresh_token, undefined);
    await refusal(s.tokens.refresh(s.client, issued.refresh_token, undefined));
    const consumed = KEYS.token(tokenDigest(issued.refresh_token));
    s.app.clock.advance(REFRESH_TOKEN_SECONDS - 1001);
    expect(await s.store.get(consumed)).toBeDefined();
    s.app.clock.advance(1);
    expect(await s.store.get(consumed)).toBeUndefined();
    expect(await s.store.get(KEYS.tokenFamily('family-1'))).toBeDefined();
    s.app.clock.advance(1000);
    expect(await s.store.get(KEYS.tokenFamily('family-1'))).toBeUndefined();
  });

  it('logs a replay with the client, link and family it concerns', async () => {
    const s = await setup();
    const issued = await s.tokens.issue(s.client, ['WRITE']);
    await s.tokens.refresh(s.client, issued.refresh_token, undefined);
    await refusal(s.tokens.refresh(s.client, issued.refresh_token, undefined));
    const line = s.app.logger.lines.find((l) => l.includes('presented again'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'warn', clientId: s.clientId, linkId: s.linkId, familyId: 'family-1' });
  });
});
