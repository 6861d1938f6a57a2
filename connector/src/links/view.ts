import type { LinkView } from '../../../contract';
import type { LinkRecord } from '../storage/store';

/** The connector's callback, which the admin registers in the remote as the redirect URI. */
export function redirectUriFor(publicUrl: string): string {
  return `${publicUrl}/oauth/callback`;
}

/** What callers see of a link: metadata and whether a secret is set, never the secret. */
export function toLinkView(record: LinkRecord, publicUrl: string): LinkView {
  const o = record.outgoing;
  return {
    id: record.id,
    name: record.name,
    remoteKind: record.remoteKind as LinkView['remoteKind'],
    applicationUrl: record.applicationUrl,
    displayUrl: record.displayUrl,
    authKind: record.authKind as LinkView['authKind'],
    status: record.status as LinkView['status'],
    statusReason: record.statusReason,
    outgoing: {
      clientId: o.clientId,
      hasClientSecret: o.clientSecretSetAt !== null,
      clientSecretFingerprint: o.clientSecretSetAt === null ? null : { last4: o.clientSecretLast4, setAt: o.clientSecretSetAt },
      scopes: o.scopes,
      authorizationEndpoint: o.authorizationEndpoint,
      tokenEndpoint: o.tokenEndpoint,
      revocationEndpoint: o.revocationEndpoint,
      apiProbeUrl: o.apiProbeUrl,
      tenant: o.tenant,
      grantType: o.grantType,
      redirectUri: redirectUriFor(publicUrl),
    },
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    version: record.version,
  };
}
