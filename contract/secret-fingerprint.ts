import type { SecretFingerprint } from './links';

/**
 * The one rule for what either side keeps of a secret it does not show again: when it was set and,
 * for long secrets only, the last 4 characters, so an admin can tell which secret is in place.
 * Below this length the last 4 characters would give away too much of the secret.
 */
export const FINGERPRINT_MIN_LENGTH = 20;

/** The last 4 characters of a secret long enough for that to reveal little; null otherwise. */
export function secretLast4(secret: string): string | null {
  return secret.length >= FINGERPRINT_MIN_LENGTH ? secret.slice(-4) : null;
}

export function secretFingerprint(secret: string, setAt: Date): SecretFingerprint {
  return { last4: secretLast4(secret), setAt: setAt.toISOString() };
}
