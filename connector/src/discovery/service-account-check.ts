import { REMOTE_PRESETS, SERVICE_ACCOUNTS, serviceAccountsOffered, type RemoteKind, type RemoteManifest } from '../../../contract';
import type { LinkRecord } from '../storage/store';
import type { CheckOutcome } from './bitbucket-cloud-check';

/**
 * The version stage's extra rule for Data Center links that authenticate as a service account
 * (client credentials): the remote's version must have service accounts. Undefined when the rule
 * does not apply or holds.
 */
export function serviceAccountVersionOutcome(link: LinkRecord, manifest: RemoteManifest): CheckOutcome | undefined {
  const kind = link.remoteKind as RemoteKind;
  const support = SERVICE_ACCOUNTS[kind];
  if (support === undefined || link.outgoing.grantType !== 'client_credentials') return undefined;
  if (serviceAccountsOffered(kind, manifest.version) !== false) return undefined;
  return {
    status: 'fail',
    code: 'SERVICE_ACCOUNTS_UNSUPPORTED',
    message: `${manifest.name ?? REMOTE_PRESETS[kind].label} ${manifest.version ?? ''} has no service accounts; the link authenticates as one, which needs ${support.minimumVersion} or later.`,
  };
}
