import { z } from 'zod';

/**
 * The kinds of remote application a link can join, with what we know about each from public
 * Atlassian and provider documentation (DESIGN section 3). Everything the connector, the Forge app
 * and the admin page need to know per kind lives here, so that adding a kind is one entry.
 */
export const REMOTE_KINDS = [
  'jira',
  'confluence',
  'bitbucket',
  'bamboo',
  'crowd',
  'atlassian-cloud',
  'bitbucket-cloud',
  'google',
  'microsoft',
  'custom',
] as const;
export const RemoteKindSchema = z.enum(REMOTE_KINDS);
export type RemoteKind = z.infer<typeof RemoteKindSchema>;

/** The `typeId` values an applinks manifest can carry (`stash` is Bitbucket). */
export const MANIFEST_TYPE_IDS = ['jira', 'confluence', 'stash', 'bamboo', 'crowd', 'fecru', 'generic'] as const;
export type ManifestTypeId = (typeof MANIFEST_TYPE_IDS)[number];

export type RemoteFamily = 'data-center' | 'atlassian-cloud' | 'bitbucket-cloud' | 'external';
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/**
 * A scope the remote understands. Scopes on the same `ladder` are ordered: a higher rank implies
 * every lower one (Jira `ADMIN` implies `WRITE` and `READ`). Scopes without a ladder stand alone.
 */
export interface ScopeDefinition {
  readonly name: string;
  readonly description: string;
  readonly ladder?: string;
  readonly rank?: number;
}

/**
 * Endpoint templates. `{base}` is the link's application URL without a trailing slash and
 * `{tenant}` the Microsoft tenant (default `common`).
 */
export interface EndpointTemplates {
  readonly authorization: string;
  readonly token: string;
  readonly revocation?: string;
  /** A cheap authenticated call that proves a token works (test connection's `api` stage). */
  readonly api?: string;
}

export interface RemotePreset {
  readonly kind: RemoteKind;
  readonly label: string;
  readonly family: RemoteFamily;
  readonly manifestTypeId?: ManifestTypeId;
  /** The first version that offers OAuth 2.0 application links. */
  readonly minimumVersion?: string;
  /** Null for custom providers, whose endpoints the admin types. */
  readonly endpoints: EndpointTemplates | null;
  readonly grantTypes: readonly GrantType[];
  /** The grant the connector uses by default for a non-impersonating link. */
  readonly defaultGrant: 'authorization_code' | 'client_credentials';
  readonly scopes: readonly ScopeDefinition[];
  /** True when the admin may type scopes that are not in `scopes` (external providers). */
  readonly freeFormScopes: boolean;
  readonly defaultScopes: readonly string[];
  /** Extra query parameters the authorization request needs. */
  readonly authorizeParams: Readonly<Record<string, string>>;
  /** Where the client secret goes on the token request. */
  readonly clientAuth: 'body' | 'basic';
  /** Access-token lifetime assumed when a token response omits `expires_in`. */
  readonly defaultAccessTokenSeconds: number;
  /** Refresh tokens are single-use and replaced on every refresh. */
  readonly refreshTokenRotates: boolean;
  /** Impersonation needs both sides to be Atlassian apps that share a user base. */
  readonly supportsImpersonation: boolean;
  /** Whether the app serves `/rest/applinks/1.0/manifest`. */
  readonly servesApplinksManifest: boolean;
  /** Where the admin registers the connector's redirect URI (and gets the client ID and secret). */
  readonly registrationHint: string;
}

const ladder = (name: string, steps: readonly (readonly [string, string])[]): ScopeDefinition[] =>
  steps.map(([scope, description], rank) => ({ name: scope, description, ladder: name, rank }));

const DC_ENDPOINTS: EndpointTemplates = {
  authorization: '{base}/rest/oauth2/latest/authorize',
  token: '{base}/rest/oauth2/latest/token',
  revocation: '{base}/rest/oauth2/latest/revoke',
};

const JIRA_CONFLUENCE_LADDER = [
  ['READ', 'View content and use read-only APIs.'],
  ['WRITE', 'Create and edit content (includes READ).'],
  ['ADMIN', 'Perform administrative actions (includes WRITE).'],
  ['SYSTEM_ADMIN', 'Perform system administration (includes ADMIN).'],
] as const;

const DC_COMMON = {
  family: 'data-center',
  grantTypes: ['authorization_code', 'refresh_token'],
  // A non-impersonating link authorizes once as its pre-configured account and keeps refreshing.
  // Newer versions also offer service accounts (client credentials): see service-accounts.ts,
  // which says from which version, so the grant is not listed here for every version.
  defaultGrant: 'authorization_code',
  freeFormScopes: false,
  authorizeParams: {},
  clientAuth: 'body',
  defaultAccessTokenSeconds: 3600,
  refreshTokenRotates: true,
  supportsImpersonation: true,
  servesApplinksManifest: true,
} as const;

/**
 * Atlassian's pages describe Cloud-to-DC links as "Atlassian product via OAuth 2.0"; that type
 * expects Atlassian's own cloud as the OAuth client. Here the connector is the client, with its own
 * redirect URI, which only an external-application link accepts: the hint says so, so an admin
 * following Atlassian's pages is not lost (issue 14 item 7).
 */
export const DC_LINK_TYPE_REASON =
  'Atlassian\'s pages say "Atlassian product via OAuth 2.0", but choose External application here: the connector, not Atlassian\'s cloud, is the OAuth 2.0 client, ' +
  'and only an external-application link accepts its redirect URI.';

const dcRegistration = (product: string): string =>
  `In ${product}, go to Administration > Applications > Application links, create an incoming link ` +
  '(External application, Incoming), paste the connector\'s redirect URI, pick the scopes and copy the client ID and secret it shows. ' +
  DC_LINK_TYPE_REASON;

export const REMOTE_PRESETS: Readonly<Record<RemoteKind, RemotePreset>> = {
  jira: {
    ...DC_COMMON,
    kind: 'jira',
    label: 'Jira Data Center',
    manifestTypeId: 'jira',
    minimumVersion: '11.2',
    endpoints: { ...DC_ENDPOINTS, api: '{base}/rest/api/2/myself' },
    scopes: ladder('jira', JIRA_CONFLUENCE_LADDER),
    defaultScopes: ['READ'],
    registrationHint: dcRegistration('Jira'),
  },
  confluence: {
    ...DC_COMMON,
    kind: 'confluence',
    label: 'Confluence Data Center',
    manifestTypeId: 'confluence',
    minimumVersion: '10.1',
    endpoints: { ...DC_ENDPOINTS, api: '{base}/rest/api/user/current' },
    scopes: ladder('confluence', JIRA_CONFLUENCE_LADDER),
    defaultScopes: ['READ'],
    registrationHint: dcRegistration('Confluence'),
  },
  bitbucket: {
    ...DC_COMMON,
    kind: 'bitbucket',
    label: 'Bitbucket Data Center',
    manifestTypeId: 'stash',
    minimumVersion: '10.1',
    endpoints: { ...DC_ENDPOINTS, api: '{base}/rest/api/latest/application-properties' },
    scopes: [
      { name: 'PUBLIC_REPOS', description: 'View public repositories.' },
      { name: 'ACCOUNT_WRITE', description: 'Edit the account\'s settings.' },
      ...ladder('bitbucket', [
        ['REPO_READ', 'Read repositories the account can see.'],
        ['REPO_WRITE', 'Push to repositories (includes REPO_READ).'],
        ['REPO_ADMIN', 'Administer repositories (includes REPO_WRITE).'],
        ['PROJECT_ADMIN', 'Administer projects (includes REPO_ADMIN).'],
        ['ADMIN_WRITE', 'Administer the instance (includes PROJECT_ADMIN).'],
        ['SYSTEM_ADMIN', 'System administration (includes ADMIN_WRITE).'],
      ]),
    ],
    defaultScopes: ['REPO_READ'],
    registrationHint: dcRegistration('Bitbucket'),
  },
  bamboo: {
    ...DC_COMMON,
    kind: 'bamboo',
    label: 'Bamboo Data Center',
    manifestTypeId: 'bamboo',
    minimumVersion: '12.0',
    endpoints: { ...DC_ENDPOINTS, api: '{base}/rest/api/latest/currentUser' },
    scopes: ladder('bamboo', [
      ['READ', 'View plans and results.'],
      ['TRIGGER', 'Trigger builds (includes READ).'],
      ['USER', 'Act as the user (includes TRIGGER).'],
    ]),
    defaultScopes: ['READ'],
    registrationHint: dcRegistration('Bamboo'),
  },
  crowd: {
    ...DC_COMMON,
    kind: 'crowd',
    label: 'Crowd Data Center',
    manifestTypeId: 'crowd',
    minimumVersion: '7.1',
    endpoints: { ...DC_ENDPOINTS, api: '{base}/rest/admin/1.0/users/current' },
    scopes: [
      { name: 'USER', description: 'Act as the user.' },
      { name: 'SYSTEM_ADMIN', description: 'System administration.' },
    ],
    defaultScopes: ['USER'],
    registrationHint: dcRegistration('Crowd'),
  },
  'atlassian-cloud': {
    kind: 'atlassian-cloud',
    label: 'Atlassian cloud app (3LO)',
    family: 'atlassian-cloud',
    endpoints: {
      authorization: 'https://auth.atlassian.com/authorize',
      token: 'https://auth.atlassian.com/oauth/token',
      api: 'https://api.atlassian.com/me',
    },
    grantTypes: ['authorization_code', 'refresh_token'],
    defaultGrant: 'authorization_code',
    scopes: [
      { name: 'read:jira-work', description: 'Read Jira project and work item data.' },
      { name: 'write:jira-work', description: 'Create and edit Jira work items.' },
      { name: 'read:jira-user', description: 'Read Jira user information.' },
      { name: 'manage:jira-project', description: 'Manage Jira projects.' },
      { name: 'manage:jira-configuration', description: 'Manage Jira settings.' },
      { name: 'read:confluence-content.all', description: 'Read Confluence content.' },
      { name: 'write:confluence-content', description: 'Create and edit Confluence content.' },
      { name: 'read:me', description: 'Read the user\'s profile.' },
      { name: 'offline_access', description: 'Get refresh tokens (required to stay connected).' },
    ],
    freeFormScopes: true,
    defaultScopes: ['read:jira-work', 'read:me', 'offline_access'],
    authorizeParams: { audience: 'api.atlassian.com', prompt: 'consent' },
    clientAuth: 'body',
    defaultAccessTokenSeconds: 3600,
    refreshTokenRotates: true,
    supportsImpersonation: true,
    servesApplinksManifest: true,
    registrationHint:
      'In the Atlassian developer console, create an OAuth 2.0 (3LO) integration, add the connector\'s redirect URI as its callback URL, and copy the client ID and secret from Settings.',
  },
  'bitbucket-cloud': {
    kind: 'bitbucket-cloud',
    label: 'Bitbucket Cloud',
    family: 'bitbucket-cloud',
    // The application URL is https://bitbucket.org; the API host follows it (bitbucket-cloud.ts).
    endpoints: {
      authorization: '{base}/site/oauth2/authorize',
      token: '{base}/site/oauth2/access_token',
      api: 'https://api.bitbucket.org/2.0/user',
    },
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    // A private consumer (seed 002) gets tokens with its own key and secret.
    defaultGrant: 'client_credentials',
    scopes: [
      { name: 'account', description: 'Read the account.' },
      { name: 'account:write', description: 'Account: Write (Jira DVCS needs it).' },
      { name: 'repository', description: 'Read repositories.' },
      { name: 'repository:write', description: 'Write repositories.' },
      { name: 'repository:admin', description: 'Repositories: Admin (Jira DVCS needs it).' },
      { name: 'pullrequest', description: 'Pull requests: Read (Jira DVCS needs it).' },
      { name: 'pullrequest:write', description: 'Pull requests: Write.' },
      { name: 'webhook', description: 'Webhooks: Read and write (Jira DVCS needs it).' },
      { name: 'project', description: 'Read projects.' },
    ],
    freeFormScopes: false,
    defaultScopes: ['account:write', 'repository:admin', 'pullrequest', 'webhook'],
    authorizeParams: {},
    clientAuth: 'basic',
    defaultAccessTokenSeconds: 7200,
    refreshTokenRotates: false,
    supportsImpersonation: false,
    servesApplinksManifest: false,
    registrationHint:
      'In Bitbucket Cloud, open the workspace\'s Settings > OAuth consumers, add a private consumer with a callback URL (any URL makes it OAuth 2.0-capable) and the permissions Account: Write, Repositories: Admin, Pull requests: Read, Webhooks: Read and write; copy its Key and Secret.',
  },
  google: {
    kind: 'google',
    label: 'Google',
    family: 'external',
    endpoints: {
      authorization: 'https://accounts.google.com/o/oauth2/v2/auth',
      token: 'https://oauth2.googleapis.com/token',
      revocation: 'https://oauth2.googleapis.com/revoke',
      api: 'https://openidconnect.googleapis.com/v1/userinfo',
    },
    grantTypes: ['authorization_code', 'refresh_token'],
    defaultGrant: 'authorization_code',
    scopes: [
      { name: 'openid', description: 'Sign the user in.' },
      { name: 'email', description: 'Read the user\'s email address.' },
      { name: 'profile', description: 'Read the user\'s basic profile.' },
    ],
    freeFormScopes: true,
    defaultScopes: ['openid', 'email'],
    authorizeParams: { access_type: 'offline', prompt: 'consent' },
    clientAuth: 'body',
    defaultAccessTokenSeconds: 3600,
    refreshTokenRotates: false,
    supportsImpersonation: false,
    servesApplinksManifest: false,
    registrationHint:
      'In Google Cloud console, APIs & Services > Credentials, create an OAuth client ID (Web application) and add the connector\'s redirect URI as an authorized redirect URI. Google refuses private IP addresses there: use the public URL of your load balancer.',
  },
  microsoft: {
    kind: 'microsoft',
    label: 'Microsoft Entra ID',
    family: 'external',
    endpoints: {
      authorization: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
      token: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
      api: 'https://graph.microsoft.com/oidc/userinfo',
    },
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    defaultGrant: 'authorization_code',
    scopes: [
      { name: 'openid', description: 'Sign the user in.' },
      { name: 'profile', description: 'Read the user\'s basic profile.' },
      { name: 'email', description: 'Read the user\'s email address.' },
      { name: 'offline_access', description: 'Get refresh tokens (required to stay connected).' },
      { name: 'User.Read', description: 'Read the signed-in user.' },
    ],
    freeFormScopes: true,
    defaultScopes: ['openid', 'offline_access', 'User.Read'],
    authorizeParams: {},
    clientAuth: 'body',
    defaultAccessTokenSeconds: 3600,
    refreshTokenRotates: true,
    supportsImpersonation: false,
    servesApplinksManifest: false,
    registrationHint:
      'In the Microsoft Entra admin center, App registrations > New registration, add the connector\'s redirect URI as a Web redirect URI, then create a client secret under Certificates & secrets. Single-tenant apps and national clouds need their own tenant, not "common".',
  },
  custom: {
    kind: 'custom',
    label: 'Custom OAuth 2.0 provider',
    family: 'external',
    endpoints: null,
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    defaultGrant: 'authorization_code',
    scopes: [],
    freeFormScopes: true,
    defaultScopes: [],
    authorizeParams: {},
    clientAuth: 'body',
    defaultAccessTokenSeconds: 3600,
    refreshTokenRotates: false,
    supportsImpersonation: false,
    servesApplinksManifest: false,
    registrationHint:
      'In the provider, register a client with the connector\'s redirect URI and copy its client ID and secret; enter the provider\'s authorization and token endpoints here.',
  },
};

export const DEFAULT_MICROSOFT_TENANT = 'common';

/** Fills an endpoint template for one link. */
export function expandEndpoint(template: string, values: { base: string; tenant?: string | undefined }): string {
  const base = values.base.replace(/\/+$/, '');
  return template
    .replace('{base}', base)
    .replace('{tenant}', encodeURIComponent(values.tenant ?? DEFAULT_MICROSOFT_TENANT));
}

/** Every scope the granted ones imply, following each ladder downwards. */
export function impliedScopes(kind: RemoteKind, granted: readonly string[]): Set<string> {
  const scopes = REMOTE_PRESETS[kind].scopes;
  const result = new Set(granted);
  for (const name of granted) {
    const def = scopes.find((s) => s.name === name);
    if (def?.ladder === undefined || def.rank === undefined) continue;
    for (const other of scopes) {
      if (other.ladder === def.ladder && other.rank !== undefined && other.rank <= def.rank) result.add(other.name);
    }
  }
  return result;
}

/** Compares dotted versions numerically (`11.10` is newer than `11.2`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const x = Number.isNaN(pa[i] ?? 0) ? 0 : (pa[i] ?? 0);
    const y = Number.isNaN(pb[i] ?? 0) ? 0 : (pb[i] ?? 0);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The kind a manifest `typeId` stands for, if it is one we link to over OAuth 2.0. */
export function kindForManifestTypeId(typeId: string): RemoteKind | undefined {
  return REMOTE_KINDS.find((k) => REMOTE_PRESETS[k].manifestTypeId === typeId);
}

/**
 * Whether the remote is an Atlassian application (Data Center or Atlassian cloud): only those have
 * application links of their own, so only they call back with credentials this site issues and
 * have links their admin must remove after a delete. Bitbucket Cloud and external providers do not.
 */
export function isAtlassianApplication(kind: RemoteKind): boolean {
  const family = REMOTE_PRESETS[kind].family;
  return family === 'data-center' || family === 'atlassian-cloud';
}
