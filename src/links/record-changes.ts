import { REMOTE_PRESETS, isAtlassianApplication, providerViewOf, type DeleteLinkResult, type LinkView } from '../../contract';
import type { LinkRecord } from './link-record';

/** Pure steps of the link service: how a record takes in the connector's view, a redirect URI, and what a delete leaves to do. */

/** Takes what the connector holds (normalised URLs, outgoing configuration, status) into this site's record. */
export function mirror(record: LinkRecord, remote: LinkView): LinkRecord {
  const fingerprint = remote.outgoing.hasClientSecret ? (record.outgoing.clientSecretFingerprint ?? remote.outgoing.clientSecretFingerprint) : null;
  return {
    ...record,
    name: remote.name,
    applicationUrl: remote.applicationUrl,
    displayUrl: remote.displayUrl,
    authKind: remote.authKind,
    status: remote.status,
    statusReason: remote.statusReason,
    outgoing: {
      clientId: remote.outgoing.clientId,
      clientSecretFingerprint: fingerprint,
      scopes: remote.outgoing.scopes,
      grantType: remote.outgoing.grantType,
      redirectUri: remote.outgoing.redirectUri,
      provider: providerViewOf(remote.outgoing),
      workspace: remote.outgoing.workspace ?? null,
      secretExpiresAt: remote.outgoing.secretExpiresAt,
    },
  };
}

/** The redirect URI after an input: a new value unless flagged, or what was there; nothing yet is a placeholder. */
export function redirectOf(
  input: { redirectUri?: string | undefined; redirectUriIsPlaceholder?: boolean | undefined },
  previous: { redirectUri: string | null; redirectUriIsPlaceholder: boolean } | null,
): { redirectUri: string | null; redirectUriIsPlaceholder: boolean } {
  if (input.redirectUri !== undefined) return { redirectUri: input.redirectUri, redirectUriIsPlaceholder: input.redirectUriIsPlaceholder ?? false };
  const redirectUri = previous?.redirectUri ?? null;
  return { redirectUri, redirectUriIsPlaceholder: redirectUri === null ? true : (input.redirectUriIsPlaceholder ?? previous?.redirectUriIsPlaceholder ?? true) };
}

/** What the remote's admin must check after a delete (seed 004: the remote end may survive). */
export function remoteCleanup(record: LinkRecord, connector: DeleteLinkResult['connector']): string[] {
  const preset = REMOTE_PRESETS[record.remoteKind];
  const steps: string[] = [];
  if (isAtlassianApplication(record.remoteKind)) {
    steps.push(`Log in to ${preset.label} at ${record.applicationUrl} as an administrator and open its application links (Administration > Applications > Application links).`);
    if (record.outgoing.clientId !== null) steps.push(`Delete the incoming link whose client ID is ${record.outgoing.clientId}: this site used it to call ${preset.label}.`);
    if (record.incoming !== null) steps.push(`Delete the outgoing link that uses this site's client ID ${record.incoming.clientId}: its credentials and tokens no longer work.`);
  } else {
    steps.push(`In ${preset.label}, delete the OAuth client${record.outgoing.clientId === null ? '' : ` ${record.outgoing.clientId}`} registered for this site, or remove the connector's redirect URI from it.`);
  }
  if (connector === 'not-deleted') {
    steps.push(`The connector could not be reached and still holds this link's secrets and tokens: when it is back, delete link ${record.id} there (applinks-connector links list shows it).`);
  }
  return steps;
}
