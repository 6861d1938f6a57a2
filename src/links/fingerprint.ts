import type { SecretFingerprint } from '../../contract';

/** Below this length the last 4 characters would give away too much of the secret. */
export const FINGERPRINT_MIN_LENGTH = 20;

/**
 * What the app keeps of a secret it does not keep: when it was set and, for long secrets, the last
 * 4 characters, so an admin can tell which secret is in place. The connector uses the same rule.
 */
export function fingerprintOf(secret: string, setAt: Date): SecretFingerprint {
  return { last4: secret.length >= FINGERPRINT_MIN_LENGTH ? secret.slice(-4) : null, setAt: setAt.toISOString() };
}
