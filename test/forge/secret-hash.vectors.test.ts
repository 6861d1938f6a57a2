import raw from './vectors/secret-hash.json';
import { hashSecret, SecretHashSchema, tokenDigest, verifySecret } from '../../src/incoming/secret-hash';

/**
 * Known answers for what the cloud side stores: salted HMAC-SHA256 of incoming client secrets and
 * SHA-256 digests of the tokens it issues (kvs holds only these). The vectors were made once with
 * the code as released; if one fails, every stored secret or token would stop verifying after an
 * upgrade: change the format only with a migration (and a new `alg`), never by editing the vectors.
 */
const vectors = {
  secretHashes: raw.secretHashes.map(({ secret, stored }) => ({ secret, stored: SecretHashSchema.parse(stored) })),
  tokenDigests: raw.tokenDigests,
};

describe('stored secret hashes and token digests (known-answer vectors)', () => {
  it.each(vectors.secretHashes)('verifies the stored hash of secret #%#', ({ secret, stored }) => {
    expect(verifySecret(secret, stored)).toBe(true);
  });

  it.each(vectors.secretHashes)('hashes secret #%# with its salt to exactly the stored digest', ({ secret, stored }) => {
    expect(hashSecret(secret, Buffer.from(stored.salt, 'base64url'))).toEqual(stored);
  });

  it.each(vectors.secretHashes)('refuses a secret one character off, or another secret, against stored hash #%#', ({ secret, stored }) => {
    expect(verifySecret(`${secret}x`, stored)).toBe(false);
    for (const other of vectors.secretHashes.filter((v) => v.secret !== secret)) expect(verifySecret(other.secret, stored)).toBe(false);
  });

  it('refuses a stored hash whose digest was truncated, without throwing', () => {
    const [{ secret, stored }] = vectors.secretHashes as [(typeof vectors.secretHashes)[number]];
    expect(verifySecret(secret, { ...stored, digest: stored.digest.slice(0, -2) })).toBe(false);
  });

  it.each(vectors.tokenDigests)('digests token #%# to the stored lookup key', ({ token, digest }) => {
    expect(tokenDigest(token)).toBe(digest);
  });
});
