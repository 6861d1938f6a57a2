import { createInvocationTokenVerifier, InvocationTokenError, type InvocationTokenVerifier } from '../../../connector/src/forge/invocation-token';
import { JwksUnavailableError, RemoteJwks } from '../../../connector/src/forge/jwks';
import { forgedTokens } from './corpus';
import { APP_ID, CLOUD_A, fitClaims, INSTALLATION_A, INSTALLATION_B, joseRsaKey, JwksServer, nodeKey, rs256, rawJwt, signFit, type TestKey } from './fixtures';

/** A verifier on its own RemoteJwks and clock, pointed at a real JWKS server. */
function setup(server: JwksServer, start = Date.parse('2026-03-01T12:00:00Z')) {
  let nowMs = start;
  const warnings: string[] = [];
  const now = () => new Date(nowMs);
  const jwks = new RemoteJwks({ url: new URL(server.url), now, onWarning: (message) => warnings.push(message) });
  const verifier: InvocationTokenVerifier = createInvocationTokenVerifier({ appId: APP_ID, keys: jwks.getKey, now });
  return {
    verifier,
    warnings,
    advance: (ms: number) => (nowMs += ms),
    seconds: () => Math.floor(nowMs / 1000),
  };
}

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InvocationTokenError) return error.code;
    if (error instanceof JwksUnavailableError) return 'JWKS_UNAVAILABLE';
    throw error;
  }
  return 'ACCEPTED';
}

describe('Forge invocation token verifier', () => {
  let k1: TestKey;
  let k2: TestKey;
  let server: JwksServer;
  beforeAll(async () => {
    [k1, k2] = await Promise.all([joseRsaKey('k1'), joseRsaKey('k2')]);
  });
  beforeEach(async () => {
    server = await JwksServer.start([k1.publicJwk]);
  });
  afterEach(async () => {
    await server.close();
  });

  it('accepts a correctly signed FIT and reads installation, cloud id, principal and environment from it', async () => {
    const t = setup(server);
    const invocation = await t.verifier.verify(await signFit(k1, fitClaims({ nowSeconds: t.seconds() })));
    expect(invocation).toMatchObject({
      appId: APP_ID,
      installationId: INSTALLATION_A,
      cloudId: CLOUD_A,
      accountId: '655362:312d3308-8954-42b0-aa38-771a10c88656',
      environmentType: 'PRODUCTION',
      moduleKey: 'connector-remote',
    });
  });

  it('takes the cloud id from app.apiBaseUrl when a backend invocation carries no context', async () => {
    const t = setup(server);
    const invocation = await t.verifier.verify(await signFit(k1, fitClaims({ nowSeconds: t.seconds(), backend: true })));
    expect(invocation.cloudId).toBe(CLOUD_A);
    expect(invocation.siteUrl).toBeNull();
  });

  it('fetches the JWKS once and serves later tokens from the cache', async () => {
    const t = setup(server);
    for (let i = 0; i < 5; i += 1) await t.verifier.verify(await signFit(k1, fitClaims({ nowSeconds: t.seconds() })));
    expect(server.requests).toBe(1);
  });

  it('refetches once on an unknown kid after the cooldown, accepts the rotated key, then serves it from the cache', async () => {
    const t = setup(server);
    await t.verifier.verify(await signFit(k1, fitClaims({ nowSeconds: t.seconds() })));
    server.keys = [k1.publicJwk, k2.publicJwk];
    // Within the cooldown after the first fetch: no refetch, the unknown kid is refused.
    expect(await reason(t.verifier.verify(await signFit(k2, fitClaims({ nowSeconds: t.seconds() }))))).toBe('UNKNOWN_KEY');
    expect(server.requests).toBe(1);
    t.advance(31_000);
    expect(await reason(t.verifier.verify(await signFit(k2, fitClaims({ nowSeconds: t.seconds() }))))).toBe('ACCEPTED');
    expect(server.requests).toBe(2);
    for (let i = 0; i < 3; i += 1) await t.verifier.verify(await signFit(k2, fitClaims({ nowSeconds: t.seconds() })));
    expect(server.requests).toBe(2);
  });

  it('fetches at most once per cooldown when a flood of unknown kids arrives at once', async () => {
    const t = setup(server);
    await t.verifier.verify(await signFit(k1, fitClaims({ nowSeconds: t.seconds() })));
    t.advance(31_000);
    const claims = fitClaims({ nowSeconds: t.seconds() });
    const flood = await Promise.all(Array.from({ length: 50 }, (_, i) => signFit(k2, claims, { kid: `unknown-${i}` })));
    const results = await Promise.all(flood.map((token) => reason(t.verifier.verify(token))));
    expect(new Set(results)).toEqual(new Set(['UNKNOWN_KEY']));
    expect(server.requests).toBe(2);
    // And again right after: the cooldown holds, no fetch at all.
    const again = await Promise.all(flood.map((token) => reason(t.verifier.verify(token))));
    expect(new Set(again)).toEqual(new Set(['UNKNOWN_KEY']));
    expect(server.requests).toBe(2);
  });

  it('refreshes keys older than 10 minutes, and keeps the cached ones when the refresh fails', async () => {
    const t = setup(server);
    await t.verifier.verify(await signFit(k1, fitClaims({ nowSeconds: t.seconds() })));
    t.advance(11 * 60_000);
    server.status = 500;
    expect(await reason(t.verifier.verify(await signFit(k1, fitClaims({ nowSeconds: t.seconds() }))))).toBe('ACCEPTED');
    expect(server.requests).toBe(2);
    expect(t.warnings.join('\n')).toContain('keeping the cached Forge signing keys');
  });

  it('says the keys are unavailable (not "invalid token") when the JWKS cannot be fetched at all, and does not retry within the cooldown', async () => {
    const t = setup(server);
    server.status = 503;
    const token = await signFit(k1, fitClaims({ nowSeconds: t.seconds() }));
    expect(await reason(t.verifier.verify(token))).toBe('JWKS_UNAVAILABLE');
    expect(await reason(t.verifier.verify(token))).toBe('JWKS_UNAVAILABLE');
    expect(server.requests).toBe(1);
    server.status = 200;
    t.advance(31_000);
    expect(await reason(t.verifier.verify(await signFit(k1, fitClaims({ nowSeconds: t.seconds() }))))).toBe('ACCEPTED');
  });

  it('refuses a JWKS document larger than 64 KiB', async () => {
    const t = setup(server);
    server.body = JSON.stringify({ keys: [k1.publicJwk], padding: 'x'.repeat(70 * 1024) });
    expect(await reason(t.verifier.verify(await signFit(k1, fitClaims({ nowSeconds: t.seconds() }))))).toBe('JWKS_UNAVAILABLE');
  });

  it('ignores weak, non-RSA and private keys in the JWKS, so a token signed by one is refused', async () => {
    const weak = nodeKey('weak', 'rsa1024');
    const ec = nodeKey('ec', 'ec');
    server.keys = [k1.publicJwk, weak.publicJwk, ec.publicJwk, { ...k2.publicJwk, kid: 'with-d', d: 'AAAA' }];
    const t = setup(server);
    const claims = fitClaims({ nowSeconds: t.seconds() });
    expect(await reason(t.verifier.verify(rawJwt({ alg: 'RS256', kid: 'weak' }, claims, rs256(weak))))).toBe('UNKNOWN_KEY');
    expect(await reason(t.verifier.verify(await signFit(k1, claims)))).toBe('ACCEPTED');
    expect(t.warnings.join('\n')).toContain('ignored 3 key(s)');
  });

  it('allows 30 seconds of clock skew on exp and nbf, and no more', async () => {
    const t = setup(server);
    const at = (exp: number, nbf: number) => signFit(k1, { ...fitClaims({ nowSeconds: t.seconds() }), exp: t.seconds() + exp, nbf: t.seconds() + nbf });
    expect(await reason(t.verifier.verify(await at(-20, -60)))).toBe('ACCEPTED');
    expect(await reason(t.verifier.verify(await at(-40, -60)))).toBe('EXPIRED');
    expect(await reason(t.verifier.verify(await at(60, 20)))).toBe('ACCEPTED');
    expect(await reason(t.verifier.verify(await at(60, 40)))).toBe('CLAIM_INVALID');
  });

  it.each([
    // [what, iat, nbf, exp (seconds from now), expected]
    ['a 10-year lifetime', 0, 0, 10 * 365 * 86400, 'LIFETIME_TOO_LONG'],
    ['a lifetime one second over five minutes', 0, 0, 301, 'LIFETIME_TOO_LONG'],
    ['five minutes counted from an iat earlier than nbf', -100, 0, 201, 'LIFETIME_TOO_LONG'],
    ['five minutes counted from nbf when there is no iat', undefined, 0, 301, 'LIFETIME_TOO_LONG'],
    ['five minutes counted from an nbf earlier than iat', 0, -100, 201, 'LIFETIME_TOO_LONG'],
    ['iat an hour in the future', 3600, 0, 25, 'ISSUED_IN_FUTURE'],
    ['iat one second beyond the 30 s tolerance', 31, 0, 25, 'ISSUED_IN_FUTURE'],
    ['the 25 s Forge issues', 0, 0, 25, 'ACCEPTED'],
    ['exactly five minutes', 0, 0, 300, 'ACCEPTED'],
    ['five minutes from nbf when there is no iat', undefined, 0, 300, 'ACCEPTED'],
    ['iat at the edge of the tolerance', 30, 0, 25, 'ACCEPTED'],
  ])('lifetime and issue time: %s gives %s', async (_what, iat, nbf, exp, expected) => {
    const t = setup(server);
    const claims: Record<string, unknown> = { ...fitClaims({ nowSeconds: t.seconds() }), nbf: t.seconds() + nbf, exp: t.seconds() + exp };
    if (iat === undefined) delete claims.iat;
    else claims.iat = t.seconds() + iat;
    expect(await reason(t.verifier.verify(await signFit(k1, claims)))).toBe(expected);
  });

  it('says how long the refused token lives, and how far ahead it was issued', async () => {
    const t = setup(server);
    const tooLong = signFit(k1, { ...fitClaims({ nowSeconds: t.seconds() }), exp: t.seconds() + 86400 });
    await expect(t.verifier.verify(await tooLong)).rejects.toThrow('the token lives 86400 s; Forge issues tokens of at most 300 s');
    const ahead = signFit(k1, { ...fitClaims({ nowSeconds: t.seconds() }), iat: t.seconds() + 3600 });
    await expect(t.verifier.verify(await ahead)).rejects.toThrow('iat is 3600 s in the future (tolerance 30 s)');
  });

  it('refuses a token over 8 KiB before it looks at it, even when correctly signed', async () => {
    const t = setup(server);
    const token = await signFit(k1, { ...fitClaims({ nowSeconds: t.seconds() }), padding: 'x'.repeat(8 * 1024) });
    expect(await reason(t.verifier.verify(token))).toBe('TOO_LARGE');
    expect(server.requests).toBe(0);
  });

  it('refuses every forged token of the corpus for the reason it was forged for', async () => {
    const rogue = await joseRsaKey('rogue');
    const keys = { forge: k1, rogue, weak: nodeKey('weak', 'rsa1024'), ec: nodeKey('ec', 'ec') };
    server.keys = [k1.publicJwk, keys.weak.publicJwk, keys.ec.publicJwk];
    const t = setup(server);
    const corpus = await forgedTokens(keys, t.seconds());
    const got: Record<string, string> = {};
    for (const { name, token } of corpus) {
      const outcome = await reason(t.verifier.verify(token));
      got[name] = outcome === 'ACCEPTED' ? `ACCEPTED for ${(await t.verifier.verify(token)).installationId === INSTALLATION_B ? 'B' : 'A'}` : outcome;
    }
    expect(got).toEqual(Object.fromEntries(corpus.map((c) => [c.name, c.reason === 'VALID_OTHER_INSTALLATION' ? 'ACCEPTED for B' : c.reason])));
  });
});
