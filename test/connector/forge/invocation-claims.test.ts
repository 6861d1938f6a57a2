import { createLocalJWKSet } from 'jose';
import {
  createInvocationTokenVerifier,
  InvocationTokenError,
  looksLikeJwt,
  MAX_TOKEN_BYTES,
  type InvocationTokenVerifierOptions,
} from '../../../connector/src/forge/invocation-token';
import { APP_ID, CLOUD_A, fitClaims, INSTALLATION_A, joseRsaKey, signFit, type TestKey } from './fixtures';

/**
 * The claim shapes, limits and readings of the Forge invocation token, one behaviour per test:
 * every optional claim is type- and length-checked when present, ARIs are matched whole, the size
 * and shape checks sit exactly where they say, and each field of the invocation comes from the
 * claim documented for it. Keys come from a local JWKS (jose's own lookup), the clock is fixed.
 */

const NOW_MS = Date.parse('2026-03-01T12:00:00Z');
const NOW = NOW_MS / 1000;
let key: TestKey;
beforeAll(async () => {
  key = await joseRsaKey('k1');
});

const verifier = (options: Partial<InvocationTokenVerifierOptions> = {}) =>
  createInvocationTokenVerifier({ appId: APP_ID, keys: createLocalJWKSet({ keys: [key.publicJwk] }), now: () => new Date(NOW_MS), ...options });

async function outcome(token: string, options: Partial<InvocationTokenVerifierOptions> = {}): Promise<string> {
  try {
    await verifier(options).verify(token);
    return 'ACCEPTED';
  } catch (error) {
    if (error instanceof InvocationTokenError) return error.code;
    throw error;
  }
}

const good = () => fitClaims({ nowSeconds: NOW });
const withApp = (patch: Record<string, unknown>) => {
  const claims = good();
  return { ...claims, app: { ...claims.app, ...patch } };
};
const withContext = (patch: Record<string, unknown>) => {
  const claims = good();
  return { ...claims, context: { ...claims.context, ...patch } };
};
const long = (n: number) => 'x'.repeat(n);
const url = (length: number) => `https://example.atlassian.net/${long(length - 'https://example.atlassian.net/'.length)}`;

describe('invocation token claims', () => {
  it.each([
    ['jti empty', { ...good(), jti: '' }, 'CLAIM_INVALID'],
    ['jti of 257 characters', { ...good(), jti: long(257) }, 'CLAIM_INVALID'],
    ['jti of 256 characters', { ...good(), jti: long(256) }, 'ACCEPTED'],
    ['principal empty', { ...good(), principal: '' }, 'CLAIM_INVALID'],
    ['principal of 257 characters', { ...good(), principal: long(257) }, 'CLAIM_INVALID'],
    ['iat a string', { ...good(), iat: String(NOW) }, 'CLAIM_INVALID'],
    ['app.appVersion empty', withApp({ appVersion: '' }), 'CLAIM_INVALID'],
    ['app.version empty', withApp({ version: '' }), 'CLAIM_INVALID'],
    ['app.version a boolean', withApp({ version: true }), 'CLAIM_INVALID'],
    ['app.version a number', withApp({ version: 16 }), 'ACCEPTED'],
    ['app.environment without id', withApp({ environment: { type: 'PRODUCTION' } }), 'CLAIM_INVALID'],
    ['app.environment with an empty type', withApp({ environment: { type: '', id: 'e' } }), 'CLAIM_INVALID'],
    ['app.module without key', withApp({ module: { type: 'core:endpoint' } }), 'CLAIM_INVALID'],
    ['app.module with an empty type', withApp({ module: { type: '', key: 'k' } }), 'CLAIM_INVALID'],
    ['app.installation without id', withApp({ installation: {} }), 'CLAIM_INVALID'],
    ['app.installation agreeing with installationId', withApp({ installation: { id: INSTALLATION_A } }), 'ACCEPTED'],
    ['app.apiBaseUrl not a URL', withApp({ apiBaseUrl: 'not a url' }), 'CLAIM_INVALID'],
    ['app.apiBaseUrl of 2049 characters', withApp({ apiBaseUrl: url(2049) }), 'CLAIM_INVALID'],
    ['app.apiBaseUrl of 2048 characters', withApp({ apiBaseUrl: url(2048) }), 'ACCEPTED'],
    ['app.installationId with text after the ARI', withApp({ installationId: `${INSTALLATION_A} x` }), 'CLAIM_INVALID'],
    ['app.installationId with text before the ARI', withApp({ installationId: `x${INSTALLATION_A}` }), 'CLAIM_INVALID'],
    ['app.installationId with nothing after the slash', withApp({ installationId: 'ari:cloud:ecosystem::installation/' }), 'CLAIM_INVALID'],
    ['app.installationId of 257 characters', withApp({ installationId: `ari:cloud:ecosystem::installation/${long(257 - 34)}` }), 'CLAIM_INVALID'],
    ['app.installationId of 256 characters', withApp({ installationId: `ari:cloud:ecosystem::installation/${long(256 - 34)}` }), 'ACCEPTED'],
    ['context a string', { ...good(), context: 'ctx' }, 'CLAIM_INVALID'],
    ['context.cloudId empty', withContext({ cloudId: '' }), 'CLAIM_INVALID'],
    ['context.moduleKey of 257 characters', withContext({ moduleKey: long(257) }), 'CLAIM_INVALID'],
    ['context.siteUrl of 2049 characters', withContext({ siteUrl: url(2049) }), 'CLAIM_INVALID'],
    ['context.siteUrl a number', withContext({ siteUrl: 1 }), 'CLAIM_INVALID'],
  ] as const)('%s', async (_what, claims, expected) => {
    expect(await outcome(await signFit(key, claims))).toBe(expected);
  });

  it('says why when app.id or app.installation.id disagree, as an InvocationTokenError', async () => {
    const otherApp = verifier().verify(await signFit(key, withApp({ id: 'ari:cloud:ecosystem::app/another' })));
    await expect(otherApp).rejects.toMatchObject({ name: 'InvocationTokenError', code: 'CLAIM_INVALID', message: 'app.id does not match the audience' });
    const otherInstallation = verifier().verify(await signFit(key, withApp({ installation: { id: 'ari:cloud:ecosystem::installation/another' } })));
    await expect(otherInstallation).rejects.toMatchObject({ code: 'CLAIM_INVALID', message: 'app.installation.id does not match app.installationId' });
  });

  it('has jose require exp and nbf, so their absence is named as such', async () => {
    for (const claim of ['exp', 'nbf']) {
      const claims = good();
      delete claims[claim];
      await expect(verifier().verify(await signFit(key, claims))).rejects.toMatchObject({ code: 'CLAIM_INVALID', message: `missing required "${claim}" claim` });
    }
  });

  it('keeps the verification failure as the cause, for the log', async () => {
    const error = await verifier()
      .verify(await signFit(key, { ...good(), iss: 'someone-else' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CLAIM_INVALID', cause: expect.objectContaining({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' }) });
  });

  it('names where the claims are wrong, at most three places, without their values', async () => {
    const claims = { ...withApp({ appVersion: '', installationId: 42, module: { type: '' } }), principal: '' };
    await expect(verifier().verify(await signFit(key, claims))).rejects.toThrow(new InvocationTokenError('CLAIM_INVALID', 'unexpected claims: app.installationId, app.appVersion, app.module.type'));
  });
});

describe('what the invocation is read from', () => {
  it('takes every field from its documented claim', async () => {
    const claims = good();
    const invocation = await verifier().verify(await signFit(key, claims));
    expect(invocation).toEqual({
      appId: APP_ID,
      installationId: INSTALLATION_A,
      cloudId: CLOUD_A,
      siteUrl: 'https://example.atlassian.net',
      accountId: claims.principal,
      environmentType: 'PRODUCTION',
      moduleKey: 'connector-remote',
      tokenId: claims.jti,
      expiresAt: new Date((NOW + 25) * 1000),
    });
  });

  it('gives null for every optional claim that is absent, and the module key from the context when app.module is absent', async () => {
    const claims = good();
    delete claims.principal;
    delete claims.jti;
    delete claims.app.environment;
    delete claims.app.module;
    delete claims.app.apiBaseUrl;
    claims.context = { moduleKey: 'admin-page' };
    expect(await verifier().verify(await signFit(key, claims))).toMatchObject({
      cloudId: null,
      siteUrl: null,
      accountId: null,
      environmentType: null,
      moduleKey: 'admin-page',
      tokenId: null,
    });
    delete claims.context;
    expect(await verifier().verify(await signFit(key, claims))).toMatchObject({ moduleKey: null });
  });

  // Titles name the shape, not the random cloud id: Stryker finds tests by their titles between runs.
  it.each([
    ['/ex/jira/<cloud id>', `https://api.atlassian.com/ex/jira/${CLOUD_A}`, CLOUD_A],
    ['/ex/jira/<cloud id>/', `https://api.atlassian.com/ex/jira/${CLOUD_A}/`, CLOUD_A],
    ['/ex/confluence/<CLOUD ID>', `https://api.atlassian.com/ex/confluence/${CLOUD_A.toUpperCase()}`, CLOUD_A.toUpperCase()],
    ['/ex/jira/<cloud id>/rest', `https://api.atlassian.com/ex/jira/${CLOUD_A}/rest`, null],
    ['/ex/jira/x<cloud id>', `https://api.atlassian.com/ex/jira/x${CLOUD_A}`, null],
    ['/ex/jira/<cloud id less its first character>', `https://api.atlassian.com/ex/jira/${CLOUD_A.slice(1)}`, null],
    ['/prefix/ex/jira/<cloud id>', `https://api.atlassian.com/prefix/ex/jira/${CLOUD_A}`, CLOUD_A],
    ['/ex/Jira/<cloud id>', `https://api.atlassian.com/ex/Jira/${CLOUD_A}`, null],
    ['/ex//<cloud id>', `https://api.atlassian.com/ex//${CLOUD_A}`, null],
  ])('a backend invocation with app.apiBaseUrl path %s has the cloud id it names, or none', async (_shape, apiBaseUrl, cloudId) => {
    const claims = fitClaims({ nowSeconds: NOW, backend: true });
    claims.app.apiBaseUrl = apiBaseUrl;
    expect((await verifier().verify(await signFit(key, claims))).cloudId).toBe(cloudId);
  });
});

describe('size and shape', () => {
  it('refuses a token one byte over the limit before parsing it, and parses one at the limit', async () => {
    expect(MAX_TOKEN_BYTES).toBe(8 * 1024);
    expect(await outcome('a'.repeat(MAX_TOKEN_BYTES + 1))).toBe('TOO_LARGE');
    expect(await outcome('a'.repeat(MAX_TOKEN_BYTES))).toBe('MALFORMED');
    const token = await signFit(key, good());
    expect(await outcome(token, { maxTokenBytes: token.length })).toBe('ACCEPTED');
    expect(await outcome(token, { maxTokenBytes: token.length - 1 })).toBe('TOO_LARGE');
    await expect(verifier({ maxTokenBytes: 10 }).verify(token)).rejects.toThrow('the token is longer than 10 bytes');
  });

  it.each([
    ['four segments', (t: string) => `${t}.e30`],
    ['a space before it', (t: string) => ` ${t}`],
    ['a newline after it', (t: string) => `${t}\n`],
    ['base64 padding in the payload', (t: string) => t.replace('.', '=.')],
    ['an empty header', (t: string) => t.slice(t.indexOf('.'))],
    ['an empty payload', (t: string) => t.replace(/\.[^.]+\./, '..')],
  ])('refuses a token with %s as not a compact JWS', async (_what, spoil) => {
    const token = spoil(await signFit(key, good()));
    await expect(verifier().verify(token)).rejects.toThrow(new InvocationTokenError('MALFORMED', 'the token is not a compact JWS'));
  });

  it('takes as a JWT (the Forge channel) only bearers shaped like one and at most 64 KiB long', () => {
    const shaped = (length: number) => `${long(length - 4)}.a.b`;
    expect(looksLikeJwt('aA0_-.bB1-_.')).toBe(true);
    expect(looksLikeJwt(shaped(64 * 1024))).toBe(true);
    expect(looksLikeJwt(shaped(64 * 1024 + 1))).toBe(false);
    for (const bearer of ['a.b', 'a.b.c.d', ' a.b.c', 'a.b.c ', '.b.c', 'a..c', 'a+.b.c', 'operator-admin-token-0123456789']) expect([bearer, looksLikeJwt(bearer)]).toEqual([bearer, false]);
  });
});

describe('options', () => {
  it('uses the clock tolerance and the longest lifetime it is given', async () => {
    const claims = { ...good(), iat: NOW - 100, nbf: NOW - 100, exp: NOW - 10 };
    expect(await outcome(await signFit(key, claims))).toBe('ACCEPTED');
    expect(await outcome(await signFit(key, claims), { clockToleranceSeconds: 5 })).toBe('EXPIRED');
    expect(await outcome(await signFit(key, { ...good(), iat: NOW + 10 }), { clockToleranceSeconds: 5 })).toBe('ISSUED_IN_FUTURE');
    expect(await outcome(await signFit(key, good()), { maxLifetimeSeconds: 24 })).toBe('LIFETIME_TOO_LONG');
    expect(await outcome(await signFit(key, good()), { maxLifetimeSeconds: 25 })).toBe('ACCEPTED');
  });
});
