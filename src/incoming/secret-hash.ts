import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * How an incoming client secret is kept: HMAC-SHA256 keyed with a random per-secret salt.
 *
 * Why not a slow hash (scrypt)? Slow hashes protect secrets people choose. These are 32 random
 * bytes generated here, so guessing one is infeasible however fast the hash is, and the token
 * endpoint answers without spending 50 ms of a web trigger on every request. The salt makes equal
 * secrets hash differently and precomputed tables useless; `alg` leaves room to change the scheme.
 */
export const SecretHashSchema = z.object({
  alg: z.literal('hmac-sha256'),
  salt: z.string(),
  digest: z.string(),
});
export type SecretHash = z.infer<typeof SecretHashSchema>;

export function hashSecret(secret: string, salt: Buffer = randomBytes(16)): SecretHash {
  return { alg: 'hmac-sha256', salt: salt.toString('base64url'), digest: digestOf(secret, salt) };
}

/** True when `candidate` is the secret `stored` was made from; constant time in the candidate. */
export function verifySecret(candidate: string, stored: SecretHash): boolean {
  const expected = Buffer.from(stored.digest, 'base64url');
  const actual = Buffer.from(digestOf(candidate, Buffer.from(stored.salt, 'base64url')), 'base64url');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function digestOf(secret: string, salt: Buffer): string {
  return createHmac('sha256', salt).update(secret, 'utf8').digest('base64url');
}

/**
 * Tokens are looked up by their digest, so it cannot be salted; a plain SHA-256 is enough for 32
 * random bytes and means a kvs dump holds nothing a caller could present.
 */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** Secrets and tokens this app issues: 32 random bytes. */
export function randomSecret(): string {
  // Hex, not base64: Data Center's forms and most OAuth clients take it without escaping.
  return randomBytes(32).toString('hex');
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
