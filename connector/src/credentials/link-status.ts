import { DIAGNOSTIC_CODES, type DiagnosticCode, type LinkStatus } from '../../../contract';
import type { Store } from '../storage/store';

/**
 * A link's runtime status follows its own credential (subject ''): connected after a token is
 * saved, failing or needing re-authorization after a renewal fails. It is a store operation (an
 * atomic read-modify-write), so it never races a configuration edit into a CONFLICT. True when
 * this call changed it: of replicas racing to the same status, exactly one.
 */
export async function setLinkStatus(store: Store, linkId: string, status: LinkStatus, reason: string | null, now: number): Promise<boolean> {
  return store.links.setStatus(linkId, status, reason, new Date(now).toISOString());
}

/** Renewal failures that retrying cannot mend: the link's configuration (or the remote's) must change. */
export const NEEDS_A_PERSON: ReadonlySet<string> = new Set([
  'INVALID_CLIENT',
  'INVALID_SCOPE',
  'CREDENTIALS_MISSING',
  'HOST_NOT_ALLOWED',
  'URL_INSECURE',
  'TLS_CERT_EXPIRED',
  'TLS_CERT_UNTRUSTED',
  'TLS_HOSTNAME_MISMATCH',
  // A stored secret that does not decrypt stays so: a person enters it again or authorizes again.
  'DECRYPT_FAILED',
  'MALFORMED_CIPHERTEXT',
  'UNKNOWN_KEY_VERSION',
  'SECRET_ORIGIN_MISMATCH',
]);

/** What to do when one of the link's stored secrets does not open (vault error codes) or may not be sent. */
const VAULT_HINTS: Readonly<Record<string, string>> = {
  SECRET_ORIGIN_MISMATCH: 'The token endpoint is not the one the client secret was entered for. Enter the client secret again on the link, then authorize it again.',
  DECRYPT_FAILED:
    'A stored secret of this link does not decrypt: it was altered in the database or copied from another record. Enter the client secret again, then authorize the link again.',
  MALFORMED_CIPHERTEXT: 'A stored secret of this link is not in the vault format (the database was changed by hand). Enter the client secret again, then authorize the link again.',
  UNKNOWN_KEY_VERSION:
    'A stored secret of this link is sealed under a data key this store does not have (restored from another backup?). Enter the client secret again, then authorize the link again.',
};

/** The hint for a renewal's error code: the contract's for diagnostic codes, ours for vault codes; empty otherwise. */
export function hintFor(code: string | null): string {
  if (code === null) return '';
  if (code in DIAGNOSTIC_CODES) return DIAGNOSTIC_CODES[code as DiagnosticCode].hint;
  return VAULT_HINTS[code] ?? '';
}
