import { createHmac } from 'node:crypto';
import type { InvocationTokenErrorCode } from '../../../connector/src/forge/invocation-token';
import {
  APP_ID,
  b64url,
  es256,
  fitClaims,
  hs256,
  INSTALLATION_A,
  INSTALLATION_B,
  OTHER_APP_ID,
  ps256,
  rawJwt,
  rs256,
  rs512,
  signFit,
  type TestKey,
} from './fixtures';

export interface CorpusKeys {
  /** The key Forge signs with, published in the JWKS as kid k1. */
  forge: TestKey;
  /** An attacker's RSA key, never published. */
  rogue: TestKey;
  /** A 1024-bit RSA key published in the JWKS as kid "weak". */
  weak: TestKey;
  /** A P-256 key published in the JWKS as kid "ec". */
  ec: TestKey;
}

export interface ForgedToken {
  name: string;
  token: string;
  /** Why the verifier refuses it; a genuine token from another installation passes it and is refused by the pairing check. */
  reason: InvocationTokenErrorCode | 'VALID_OTHER_INSTALLATION';
  /** 403 for a genuine token from an installation other than the paired one; 401 for everything else. */
  status: 401 | 403;
}

type Claims = Record<string, any>;

const without = (claims: Claims, key: string): Claims => {
  const copy = { ...claims };
  delete copy[key];
  return copy;
};
const withApp = (claims: Claims, app: Record<string, unknown>): Claims => ({ ...claims, app: { ...claims.app, ...app } });
const withoutApp = (claims: Claims, key: string): Claims => {
  const app = { ...claims.app };
  delete app[key];
  return { ...claims, app };
};
const hs512 = (secret: string) => (input: string) => createHmac('sha512', secret).update(input).digest();

/**
 * Forged and malformed Forge invocation tokens. Every one must be refused with 401 (or 403 for a
 * genuine token from another installation) before any handler runs.
 */
export async function forgedTokens(keys: CorpusKeys, nowSeconds: number): Promise<ForgedToken[]> {
  const { forge, rogue, weak, ec } = keys;
  const good = fitClaims({ nowSeconds });
  const valid = await signFit(forge, good);
  const [h, p, s] = valid.split('.') as [string, string, string];
  const validB = await signFit(forge, fitClaims({ nowSeconds, installationId: INSTALLATION_B }));
  const [hB, pB, sB] = validB.split('.') as [string, string, string];
  const rs = { alg: 'RS256', kid: 'k1', typ: 'JWT' };

  const list: Omit<ForgedToken, 'status'>[] = [
    // Algorithm confusion
    { name: 'alg none, no signature', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'none', typ: 'JWT' }, good, null) },
    { name: 'alg none with the kid of the real key', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'none', kid: 'k1' }, good, null) },
    { name: 'alg NONE in capitals', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'NONE', kid: 'k1' }, good, null) },
    { name: 'alg none carrying a real RS256 signature', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'none', kid: 'k1' }, good, rs256(forge)) },
    { name: 'HS256 signed with the public key PEM as secret', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'HS256', kid: 'k1' }, good, hs256(forge.publicPem)) },
    { name: 'HS256 signed with the public key PEM, no kid', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'HS256' }, good, hs256(forge.publicPem)) },
    { name: 'HS256 signed with the public JWK (JSON) as secret', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'HS256', kid: 'k1' }, good, hs256(JSON.stringify(forge.publicJwk))) },
    { name: 'HS256 signed with the modulus as secret', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'HS256', kid: 'k1' }, good, hs256(String(forge.publicJwk.n))) },
    { name: 'HS512 signed with the public key PEM as secret', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'HS512', kid: 'k1' }, good, hs512(forge.publicPem)) },
    { name: 'PS256 signed with the real key', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'PS256', kid: 'k1' }, good, ps256(forge)) },
    { name: 'RS512 signed with the real key', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'RS512', kid: 'k1' }, good, rs512(forge)) },
    { name: 'ES256 signed with an EC key that is in the JWKS', reason: 'ALG_NOT_ALLOWED', token: rawJwt({ alg: 'ES256', kid: 'ec' }, good, es256(ec)) },
    { name: 'RS256 signed with a 1024-bit key that is in the JWKS', reason: 'UNKNOWN_KEY', token: rawJwt({ alg: 'RS256', kid: 'weak' }, good, rs256(weak)) },
    // Keys that are not Forge's
    { name: 'RS256 signed by a key not in the JWKS, claiming the real kid', reason: 'BAD_SIGNATURE', token: rawJwt(rs, good, rs256(rogue)) },
    { name: 'RS256 with an unknown kid', reason: 'UNKNOWN_KEY', token: rawJwt({ alg: 'RS256', kid: 'rogue' }, good, rs256(rogue)) },
    { name: 'RS256 without kid, signed by a key not in the JWKS', reason: 'BAD_SIGNATURE', token: rawJwt({ alg: 'RS256' }, good, rs256(rogue)) },
    { name: 'RS256 with jku pointing at the attacker', reason: 'UNKNOWN_KEY', token: rawJwt({ alg: 'RS256', kid: 'rogue', jku: 'https://attacker.example/jwks.json' }, good, rs256(rogue)) },
    { name: 'RS256 with the attacker key embedded as jwk', reason: 'BAD_SIGNATURE', token: rawJwt({ alg: 'RS256', jwk: rogue.publicJwk }, good, rs256(rogue)) },
    { name: 'RS256 with a path in kid', reason: 'UNKNOWN_KEY', token: rawJwt({ alg: 'RS256', kid: '../../../dev/null' }, good, rs256(rogue)) },
    // Claims
    { name: 'wrong aud (another app)', reason: 'CLAIM_INVALID', token: await signFit(forge, { ...good, aud: OTHER_APP_ID }) },
    { name: 'aud and app.id of another app', reason: 'CLAIM_INVALID', token: await signFit(forge, fitClaims({ nowSeconds, appId: OTHER_APP_ID })) },
    { name: 'aud as an array', reason: 'CLAIM_INVALID', token: await signFit(forge, { ...good, aud: [APP_ID] }) },
    { name: 'no aud', reason: 'CLAIM_INVALID', token: await signFit(forge, without(good, 'aud')) },
    { name: 'wrong iss', reason: 'CLAIM_INVALID', token: await signFit(forge, { ...good, iss: 'forge/invocation-token-evil' }) },
    { name: 'iss of another issuer', reason: 'CLAIM_INVALID', token: await signFit(forge, { ...good, iss: 'https://auth.atlassian.com' }) },
    { name: 'no iss', reason: 'CLAIM_INVALID', token: await signFit(forge, without(good, 'iss')) },
    { name: 'expired 5 minutes ago', reason: 'EXPIRED', token: await signFit(forge, { ...good, iat: nowSeconds - 400, nbf: nowSeconds - 400, exp: nowSeconds - 300 }) },
    { name: 'not valid for 5 more minutes', reason: 'CLAIM_INVALID', token: await signFit(forge, { ...good, nbf: nowSeconds + 300, exp: nowSeconds + 400 }) },
    { name: 'no exp', reason: 'CLAIM_INVALID', token: await signFit(forge, without(good, 'exp')) },
    { name: 'no nbf', reason: 'CLAIM_INVALID', token: await signFit(forge, without(good, 'nbf')) },
    { name: 'exp as a string', reason: 'CLAIM_INVALID', token: await signFit(forge, { ...good, exp: String(nowSeconds + 25) }) },
    { name: 'app.id of another app under our aud', reason: 'CLAIM_INVALID', token: await signFit(forge, withApp(good, { id: OTHER_APP_ID })) },
    { name: 'no app claim', reason: 'CLAIM_INVALID', token: await signFit(forge, without(good, 'app')) },
    { name: 'no app.installationId', reason: 'CLAIM_INVALID', token: await signFit(forge, withoutApp(good, 'installationId')) },
    { name: 'app.installationId is a number', reason: 'CLAIM_INVALID', token: await signFit(forge, withApp(good, { installationId: 42 })) },
    { name: 'app.installationId is not an installation ARI', reason: 'CLAIM_INVALID', token: await signFit(forge, withApp(good, { installationId: APP_ID })) },
    { name: 'app.installation.id disagrees with app.installationId', reason: 'CLAIM_INVALID', token: await signFit(forge, withApp(good, { installation: { id: INSTALLATION_B } })) },
    { name: 'app is a string', reason: 'CLAIM_INVALID', token: await signFit(forge, { ...good, app: INSTALLATION_A }) },
    { name: 'principal is an object', reason: 'CLAIM_INVALID', token: await signFit(forge, { ...good, principal: { accountId: 'x' } }) },
    { name: 'claims are a JSON array', reason: 'MALFORMED', token: rawJwt(rs, '[1,2,3]', rs256(forge)) },
    { name: 'claims are not JSON', reason: 'MALFORMED', token: rawJwt(rs, 'not json at all', rs256(forge)) },
    // Structure
    { name: 'payload swapped after signing', reason: 'BAD_SIGNATURE', token: `${hB}.${p}.${sB}` },
    { name: 'signature from another token', reason: 'BAD_SIGNATURE', token: `${h}.${p}.${sB}` },
    { name: 'truncated signature', reason: 'BAD_SIGNATURE', token: valid.slice(0, -12) },
    { name: 'signature removed', reason: 'BAD_SIGNATURE', token: `${h}.${p}.` },
    { name: 'truncated to two segments', reason: 'MALFORMED', token: `${h}.${p}` },
    { name: 'duplicated payload segment', reason: 'MALFORMED', token: `${h}.${p}.${p}.${s}` },
    { name: 'the token twice', reason: 'MALFORMED', token: `${valid}.${valid}` },
    { name: 'header that is not JSON', reason: 'MALFORMED', token: `${b64url('{"alg":"RS256",')}.${p}.${s}` },
    { name: 'unknown critical header', reason: 'UNSUPPORTED', token: rawJwt({ ...rs, crit: ['x-forge-ext'], 'x-forge-ext': true }, good, rs256(forge)) },
    { name: 'unencoded payload (b64: false)', reason: 'MALFORMED', token: rawJwt({ ...rs, b64: false, crit: ['b64'] }, good, rs256(forge)) },
    { name: 'oversized, correctly signed', reason: 'TOO_LARGE', token: await signFit(forge, { ...good, padding: 'x'.repeat(9 * 1024) }) },
    { name: 'garbage', reason: 'MALFORMED', token: 'garbage-bearer-value-0123456789' },
    { name: 'garbage in three segments', reason: 'MALFORMED', token: 'aaaaaaaaaa.bbbbbbbbbb.cccccccccc' },
    // Genuine, but from another installation
    { name: 'another installation, correctly signed', reason: 'VALID_OTHER_INSTALLATION', token: validB },
    { name: 'another installation, backend invocation', reason: 'VALID_OTHER_INSTALLATION', token: await signFit(forge, fitClaims({ nowSeconds, installationId: INSTALLATION_B, backend: true })) },
  ];
  return list.map((t) => ({ ...t, status: t.reason === 'VALID_OTHER_INSTALLATION' ? 403 : 401 }));
}
