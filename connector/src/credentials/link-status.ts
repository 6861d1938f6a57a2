import { DIAGNOSTIC_CODES, type DiagnosticCode, type LinkStatus } from '../../../contract';
import type { Store } from '../storage/store';

/**
 * A link's runtime status follows its own credential (subject ''): connected after a token is
 * saved, failing or needing re-authorization after a renewal fails. It is a store operation (an
 * atomic read-modify-write), so it never races a configuration edit into a CONFLICT.
 */
export async function setLinkStatus(store: Store, linkId: string, status: LinkStatus, reason: string | null, now: number): Promise<void> {
  await store.links.setStatus(linkId, status, reason, new Date(now).toISOString());
}

/** Renewal failures that retrying cannot mend: the link's configuration (or the remote's) must change. */
export const NEEDS_A_PERSON: ReadonlySet<string> = new Set(['INVALID_CLIENT', 'INVALID_SCOPE', 'CREDENTIALS_MISSING', 'HOST_NOT_ALLOWED', 'URL_INSECURE', 'TLS_CERT_EXPIRED', 'TLS_CERT_UNTRUSTED', 'TLS_HOSTNAME_MISMATCH']);

/** The contract's hint for a diagnostic code; empty for codes it does not know. */
export function hintFor(code: string | null): string {
  return code !== null && code in DIAGNOSTIC_CODES ? DIAGNOSTIC_CODES[code as DiagnosticCode].hint : '';
}
