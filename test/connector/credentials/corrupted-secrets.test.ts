import { LinkViewSchema } from '../../../contract';
import { CLIENT_SECRET_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId, type SealedSecret } from '../../../connector/src/storage/store';
import type { TestConnector } from '../../helpers/connector-app';
import { startOidcServer, type OidcServer } from '../../helpers/oidc-server';
import { CALLBACK, authorize, createConsumer, createLink, readToken, startConnector, type Clock } from './lifecycle-steps';

/**
 * A stored secret whose ciphertext was altered (issue 11, item 8): the renewal fails with the
 * vault's code, the link says `failing` with what to do, the back-off holds, one log line per
 * attempt, other links carry on, and the API answers with a code that says what it is.
 */
function altered(sealed: SealedSecret): SealedSecret {
  const last = sealed.ciphertext.slice(-2, -1);
  return { ...sealed, ciphertext: `${sealed.ciphertext.slice(0, -2)}${last === 'A' ? 'B' : 'A'}${sealed.ciphertext.slice(-1)}` };
}

describe.each(['sqlite', 'postgres'] as const)('corrupted secrets on %s', (dialect) => {
  let oidc: OidcServer;
  let c: TestConnector;
  const clock: Clock = { t: Date.now() };

  beforeAll(async () => {
    oidc = await startOidcServer({ clients: { dc: { authMethod: 'client_secret_post', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CALLBACK] } } });
    c = await startConnector(dialect, clock);
  });
  afterAll(async () => {
    expect(c.watch.leaks()).toEqual([]);
    await c.close();
    await oidc.stop();
  });

  async function connected(): Promise<{ linkId: string; apiKey: string }> {
    const linkId = await createLink(c, oidc, 'dc');
    expect((await authorize(c, oidc, linkId)).status).toBe(200);
    const apiKey = await createConsumer(c, [linkId]);
    expect((await readToken(c, linkId, apiKey)).status).toBe(200);
    return { linkId, apiKey };
  }

  it('a refresh token that does not decrypt: DECRYPT_FAILED on the link with a hint, back-off, one log line per attempt, other links untouched', async () => {
    clock.t = Date.now();
    const broken = await connected();
    const healthy = await connected();
    const owner = tokenOwnerId(broken.linkId, '');
    await c.store.secrets.put(owner, REFRESH_TOKEN_FIELD, altered((await c.store.secrets.get(owner, REFRESH_TOKEN_FIELD))!));
    const expiresAt = Date.parse((await c.store.tokens.get(broken.linkId, ''))!.record.expiresAt);
    const attempts = () => c.watch.lines.filter((line) => line.includes(broken.linkId) && line.includes('refresh failed')).length;

    clock.t = expiresAt + 1_000;
    await oidc.resetCounts();
    const reads = await Promise.all(Array.from({ length: 10 }, () => readToken(c, broken.linkId, broken.apiKey)));
    expect(reads.every((r) => r.status === 503 && r.body.error?.code === 'TOKEN_UNAVAILABLE')).toBe(true);
    const record = (await c.store.tokens.get(broken.linkId, ''))!.record;
    expect(record).toMatchObject({ failureCount: 1, lastErrorCode: 'DECRYPT_FAILED' });
    expect(Date.parse(record.nextAttemptAt!)).toBeGreaterThan(clock.t);
    expect(attempts()).toBe(1);
    // During the back-off: no attempt, no log line, and nothing reached the provider.
    await readToken(c, broken.linkId, broken.apiKey);
    expect(attempts()).toBe(1);
    expect(await oidc.counts()).toEqual({});

    const link = LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${broken.linkId}` })).json());
    expect(link.status).toBe('failing');
    expect(link.statusReason).toContain('DECRYPT_FAILED');
    expect(link.statusReason).toContain('Enter the client secret again');
    expect(link.credential).toMatchObject({ lastErrorCode: 'DECRYPT_FAILED', failedRefreshes: 1 });

    // The next attempt is one more line, and one more failure.
    clock.t = Date.parse(record.nextAttemptAt!);
    await readToken(c, broken.linkId, broken.apiKey);
    expect(attempts()).toBe(2);
    expect((await c.store.tokens.get(broken.linkId, ''))!.record.failureCount).toBe(2);

    // The other link renews and serves as before.
    const other = await readToken(c, healthy.linkId, healthy.apiKey);
    expect(other.status).toBe(200);
    expect(LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${healthy.linkId}` })).json()).status).toBe('connected');
  });

  it('a client secret that does not decrypt: authorize answers SECRET_UNREADABLE, which says what it is, not a generic 500', async () => {
    clock.t = Date.now();
    const linkId = await createLink(c, oidc, 'dc');
    await c.store.secrets.put(linkId, CLIENT_SECRET_FIELD, altered((await c.store.secrets.get(linkId, CLIENT_SECRET_FIELD))!));
    const res = await c.request({ method: 'POST', url: `/v1/links/${linkId}/authorize`, payload: {} });
    expect(res.statusCode).toBe(500);
    const body = res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SECRET_UNREADABLE');
    expect(body.error.message).toContain('enter the client secret again');
  });
});
