import { createHash, randomBytes } from 'node:crypto';

/** A PKCE pair. The verifier stays with the connector; only the challenge travels to the provider. */
export interface Pkce {
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

/**
 * Creates a PKCE verifier and its S256 challenge (RFC 7636 sections 4.1 and 4.2): 32 random bytes
 * base64url-encoded give a 43-character verifier, the minimum length and 256 bits of entropy.
 * `plain` is never used: it protects nothing once the authorization request leaks.
 */
export function createPkce(): Pkce {
  const codeVerifier = randomBytes(32).toString('base64url');
  return { codeVerifier, codeChallenge: s256(codeVerifier), codeChallengeMethod: 'S256' };
}

/** `BASE64URL(SHA256(ASCII(code_verifier)))`, RFC 7636 section 4.2. */
export function s256(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** A random `state` value (RFC 6749 section 10.12): 32 bytes, base64url. */
export function createState(): string {
  return randomBytes(32).toString('base64url');
}
