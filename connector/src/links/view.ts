import { CHECK_INTERVAL_MINUTES, effectiveProviderSettings, type CredentialSummary, type LinkView } from '../../../contract';
import { redirectUriOf } from '../config';
import type { LinkRecord, Store } from '../storage/store';
import { credentialSummary } from './credential-summary';

/** What callers see of a link: metadata and whether a secret is set, never the secret. */
export function toLinkView(record: LinkRecord, publicUrl: string, credential: CredentialSummary): LinkView {
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
      secretExpiresAt: o.secretExpiresAt,
      ...effectiveProviderSettings(record.remoteKind as LinkView['remoteKind'], o),
      workspace: o.workspace ?? null,
      redirectUri: redirectUriOf({ publicUrl }),
    },
    credential,
    checkIntervalMinutes: record.checkIntervalMinutes === undefined ? CHECK_INTERVAL_MINUTES.default : record.checkIntervalMinutes,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    version: record.version,
  };
}

/** Views of several links, with their credentials read in one tally (not one query per link). */
export async function toLinkViews(records: readonly LinkRecord[], deps: { store: Store; publicUrl: string; now: () => Date }): Promise<LinkView[]> {
  const tallies = records.length === 0 ? new Map() : await deps.store.tokens.tally(records.map((r) => r.id));
  const now = deps.now();
  return records.map((record) => toLinkView(record, deps.publicUrl, credentialSummary(tallies.get(record.id), now)));
}
