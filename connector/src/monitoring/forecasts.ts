import type { Forecast, RemoteKind } from '../../../contract';
import type { CertificateRecord } from '../storage/alerts-store';
import type { LinkRecord, TokenRecord } from '../storage/store';

/**
 * What will expire on a link and when, from what the connector already holds: a pure function of
 * the link record, its own credential's record and the last certificate read, so forecasts of
 * one link and of ten thousand (a metrics scrape) are the same computation.
 */

/** Data Center products: service accounts there are client-credentials clients of these kinds. */
const DATA_CENTER_KINDS: ReadonlySet<RemoteKind> = new Set(['jira', 'confluence', 'bitbucket', 'bamboo', 'crowd']);

/**
 * Documented refresh-token lifetimes where the provider does not state one in its answer
 * (DESIGN section 3, facts): Data Center refresh tokens last 90 days (they rotate, so from the
 * last refresh); Bitbucket Cloud expires refresh tokens unused for 3 months.
 */
export const DOCUMENTED_REFRESH_LIFETIMES: Partial<Record<RemoteKind, { months?: number; days?: number; source: string }>> = {
  jira: { days: 90, source: 'Data Center refresh tokens last 90 days from the last refresh' },
  confluence: { days: 90, source: 'Data Center refresh tokens last 90 days from the last refresh' },
  bitbucket: { days: 90, source: 'Data Center refresh tokens last 90 days from the last refresh' },
  bamboo: { days: 90, source: 'Data Center refresh tokens last 90 days from the last refresh' },
  crowd: { days: 90, source: 'Data Center refresh tokens last 90 days from the last refresh' },
  'bitbucket-cloud': { months: 3, source: 'Bitbucket Cloud expires refresh tokens unused for 3 months' },
};

export interface ForecastInput {
  link: LinkRecord;
  /** The link's own credential (subject ''), if it holds one. */
  token: TokenRecord | null;
  certificate: CertificateRecord | null;
}

export function computeForecasts({ link, token, certificate }: ForecastInput): Forecast[] {
  const forecasts: Forecast[] = [];
  if (certificate !== null) {
    forecasts.push({ kind: 'tls-certificate', expiresAt: certificate.validTo, source: `certificate of ${certificate.host}, read ${certificate.observedAt}` });
  }
  const secretExpiry = expiryInstant(link.outgoing.secretExpiresAt);
  if (secretExpiry !== null && link.authKind !== 'none') {
    const serviceAccount = link.outgoing.grantType === 'client_credentials' && DATA_CENTER_KINDS.has(link.remoteKind);
    forecasts.push(
      serviceAccount
        ? { kind: 'service-account', expiresAt: secretExpiry, source: 'entered with the service account credential' }
        : { kind: 'client-secret', expiresAt: secretExpiry, source: 'entered with the client secret' },
    );
  }
  const refresh = token === null ? null : refreshTokenForecast(link.remoteKind, token);
  if (refresh !== null) forecasts.push(refresh);
  return forecasts.sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
}

function refreshTokenForecast(kind: RemoteKind, token: TokenRecord): Forecast | null {
  if (!token.hasRefreshToken || token.state !== 'valid') return null;
  const stated = isoOrNull(token.refreshExpiresAt ?? null);
  if (stated !== null) return { kind: 'refresh-token', expiresAt: stated, source: 'refresh_token_expires_in in the token response' };
  const lifetime = DOCUMENTED_REFRESH_LIFETIMES[kind];
  if (lifetime === undefined) return null;
  // obtainedAt is when the credential was last saved: the last authorization or refresh.
  const from = new Date(token.obtainedAt);
  if (lifetime.months !== undefined) from.setUTCMonth(from.getUTCMonth() + lifetime.months);
  if (lifetime.days !== undefined) from.setUTCDate(from.getUTCDate() + lifetime.days);
  return { kind: 'refresh-token', expiresAt: from.toISOString(), source: lifetime.source };
}

/** A stored date or timestamp as a UTC timestamp; null when absent or not a date. */
/**
 * A secret's expiry as entered: a calendar date means the end of that day UTC (contract
 * SecretExpirySchema), the last moment the secret still works; a timestamp is taken as it is.
 */
function expiryInstant(value: string | null): string | null {
  if (value !== null && /^\d{4}-\d{2}-\d{2}$/.test(value)) return isoOrNull(`${value}T23:59:59.999Z`);
  return isoOrNull(value);
}

function isoOrNull(value: string | null): string | null {
  if (value === null) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** Whole days from `now` until `expiresAt` (negative once past). */
export function daysLeft(expiresAt: string, now: Date): number {
  return Math.floor((Date.parse(expiresAt) - now.getTime()) / 86_400_000);
}
