import { compareVersions, type RemoteKind } from './remotes';

/**
 * Data Center service accounts: non-human accounts that authenticate with the client-credentials
 * grant at `{base}/rest/oauth2/latest/token` (no refresh token, about one-hour access tokens,
 * credentials that can be set to expire). A link that uses one is a Data Center link with
 * `grantType: client_credentials`: it connects at once, with no sign-in.
 *
 * Which versions have them, from Atlassian's documentation (read 2026-12):
 * - Bamboo 12.0: "From the Bamboo 12 version, the service accounts feature for Bamboo was
 *   implemented" (support.atlassian.com/bamboo/kb/create-and-manage-service-accounts-in-bamboo-data-center).
 * - Crowd 7.0 added them (REST only), 7.1 the UI (confluence.atlassian.com/enterprise/service-accounts-in-crowd-1573749299.html);
 *   OAuth 2.0 links need 7.1 anyway.
 * - Jira, Confluence, Bitbucket: Atlassian's pages ("Service accounts overview", "How service
 *   accounts work in Data Center", the community post "Service accounts now available across all
 *   Atlassian Data Center products", after an early-access programme in late 2025) name no first
 *   version. Not established; chosen conservatively as the long-term-support releases current when
 *   general availability was announced: Jira 11.3, Confluence 10.2, Bitbucket 10.2. An older
 *   instance that has them is refused here; test connection shows what the remote itself says.
 * - Scopes: Jira allows READ and WRITE only ("How service accounts work in Data Center"); for the
 *   other products no list is published, so their link scopes are not narrowed here (the remote
 *   refuses others with invalid_scope, which test connection reports).
 */
export interface ServiceAccountSupport {
  readonly minimumVersion: string;
  /** True when Atlassian's documentation names the version; false when it was chosen conservatively. */
  readonly versionDocumented: boolean;
  /** The scopes a service account may hold, when Atlassian narrows them for this product. */
  readonly scopes?: readonly string[];
}

export const SERVICE_ACCOUNTS: Readonly<Partial<Record<RemoteKind, ServiceAccountSupport>>> = {
  jira: { minimumVersion: '11.3', versionDocumented: false, scopes: ['READ', 'WRITE'] },
  confluence: { minimumVersion: '10.2', versionDocumented: false },
  bitbucket: { minimumVersion: '10.2', versionDocumented: false },
  bamboo: { minimumVersion: '12.0', versionDocumented: true },
  crowd: { minimumVersion: '7.1', versionDocumented: true },
};

/** Access tokens a service account gets live about this long; there is no refresh token. */
export const SERVICE_ACCOUNT_TOKEN_SECONDS = 3600;

/**
 * Whether a remote of this kind and version offers service accounts: true, false, or null when the
 * version is unknown (no manifest read yet).
 */
export function serviceAccountsOffered(kind: RemoteKind, version: string | null | undefined): boolean | null {
  const support = SERVICE_ACCOUNTS[kind];
  if (support === undefined) return false;
  if (version === null || version === undefined || version === '') return null;
  return compareVersions(version, support.minimumVersion) >= 0;
}

/** The scopes a link may ask for: for a service account, only those the product lets one hold. */
export function offeredScopes<T extends { name: string }>(kind: RemoteKind, grantType: 'authorization_code' | 'client_credentials', scopes: readonly T[]): readonly T[] {
  const allowed = grantType === 'client_credentials' ? SERVICE_ACCOUNTS[kind]?.scopes : undefined;
  return allowed === undefined ? scopes : scopes.filter((s) => allowed.includes(s.name));
}

/** Where a service-account link's scopes go beyond what the product lets a service account hold. */
export function serviceAccountScopeViolations(kind: RemoteKind, scopes: readonly string[]): { path: string; message: string }[] {
  const allowed = SERVICE_ACCOUNTS[kind]?.scopes;
  if (allowed === undefined) return [];
  return scopes.flatMap((scope, i) =>
    allowed.includes(scope) ? [] : [{ path: `outgoing.scopes.${i}`, message: `a service account cannot hold "${scope}"; it may hold ${allowed.join(', ')}` }],
  );
}
