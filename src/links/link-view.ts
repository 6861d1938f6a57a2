import type { CredentialSummary, Forecast, ForgeLinkView, IncomingActivity, IncomingView } from '../../contract';
import { exchangeView } from './exchange-steps';
import type { IncomingRecord, LinkRecord } from './link-record';

export interface IncomingUrls {
  tokenEndpointUrl: string | null;
  pingUrl: string | null;
  authorizationEndpointUrl: string | null;
  revocationEndpointUrl: string | null;
  metadataUrl: string | null;
  gatewayUrl: string | null;
}

export function incomingView(incoming: IncomingRecord, urls: IncomingUrls, activity: IncomingActivity | null = null): IncomingView {
  return {
    activity,
    clientId: incoming.clientId,
    scopes: incoming.scopes,
    redirectUri: incoming.redirectUri,
    redirectUriIsPlaceholder: incoming.redirectUriIsPlaceholder,
    clientSecretFingerprint: incoming.clientSecretFingerprint,
    issuedAt: incoming.issuedAt,
    secretExpiresAt: incoming.secretExpiresAt ?? null,
    ...urls,
  };
}

/** What the admin page sees of a link. Built from the stored record, which holds no secret. */
export function toLinkView(record: LinkRecord, options: { urls: IncomingUrls; connectorReachable: boolean; credential: CredentialSummary | null; activity?: IncomingActivity | null }): ForgeLinkView {
  const o = record.outgoing;
  return {
    id: record.id,
    name: record.name,
    remoteKind: record.remoteKind,
    applicationUrl: record.applicationUrl,
    displayUrl: record.displayUrl,
    authKind: record.authKind,
    status: record.status,
    statusReason: record.statusReason,
    outgoing: {
      clientId: o.clientId,
      hasClientSecret: o.clientSecretFingerprint !== null,
      clientSecretFingerprint: o.clientSecretFingerprint,
      scopes: o.scopes,
      grantType: o.grantType,
      redirectUri: o.redirectUri,
      provider: o.provider ?? null,
      workspace: o.workspace ?? null,
      secretExpiresAt: o.secretExpiresAt ?? null,
    },
    incoming: record.incoming === null ? null : incomingView(record.incoming, options.urls, options.activity ?? null),
    exchange: exchangeView(record, options.activity ?? null),
    lastTest: record.lastTest,
    connectorReachable: options.connectorReachable,
    credential: options.credential,
    forecasts: forecastsOf(record),
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    updatedAt: record.updatedAt,
    updatedBy: record.updatedBy,
    version: record.version,
  };
}

/** This site's forecasts: the issued incoming secret, when it was issued with an expiry. */
export function forecastsOf(record: LinkRecord): Forecast[] {
  const expiresAt = record.incoming?.secretExpiresAt ?? null;
  return expiresAt === null ? [] : [{ kind: 'issued-secret', expiresAt, source: 'set when the incoming secret was issued' }];
}
