import { z } from 'zod';

/**
 * Bitbucket Cloud as Jira's DVCS consumer (seed 002): the workspace a consumer belongs to, the
 * permissions Jira needs and how each is checked with Bitbucket's API 2.0, and the steps of the
 * OAuth 1.0 to 2.0 migration with what the admin page can verify of each.
 */

/** Bitbucket Cloud's own site. Its API is served from another host (api.bitbucket.org). */
export const BITBUCKET_CLOUD_SITE = 'https://bitbucket.org';
export const BITBUCKET_CLOUD_API = 'https://api.bitbucket.org/2.0';

/**
 * The API 2.0 base for a link's application URL: the real API host for bitbucket.org, and
 * `{base}/2.0` for anything else (a stand-in or an egress proxy that serves both the OAuth
 * endpoints and the API under one base). The application URL is what the admin typed, so the
 * API follows the link the same way its token endpoint does.
 */
export function bitbucketCloudApiBase(applicationUrl: string): string {
  const base = applicationUrl.replace(/\/+$/, '');
  let host = '';
  try {
    host = new URL(base).hostname;
  } catch {
    // Not a URL: treated as a stand-in's base below, which the URL policy then refuses.
  }
  return host === 'bitbucket.org' || host === 'www.bitbucket.org' ? BITBUCKET_CLOUD_API : `${base}/2.0`;
}

/** A workspace ID (the slug in bitbucket.org/{workspace}): lowercase letters, digits, `-`, `_`, `.`. */
export const BitbucketWorkspaceSchema = z
  .string()
  .trim()
  .min(1)
  .max(62)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a workspace ID: the part after bitbucket.org/ (lowercase letters, digits, - _ .)');

/**
 * The consumer permissions Jira's DVCS needs (seed 002, step 8), by the API scope each grants, and
 * the scopes that imply it (Bitbucket's scopes are ordered: `repository:admin` includes
 * `repository:write` and `repository`).
 */
export const DVCS_PERMISSIONS = [
  { id: 'account', label: 'Account: Write', scope: 'account:write', impliedBy: ['account:write'] },
  { id: 'repositories', label: 'Repositories: Admin', scope: 'repository:admin', impliedBy: ['repository:admin', 'repository:delete'] },
  { id: 'pullrequests', label: 'Pull requests: Read', scope: 'pullrequest', impliedBy: ['pullrequest', 'pullrequest:write'] },
  { id: 'webhooks', label: 'Webhooks: Read and write', scope: 'webhook', impliedBy: ['webhook'] },
] as const;
export type DvcsPermission = (typeof DVCS_PERMISSIONS)[number];

/** The permissions whose scope is not among the granted ones (Bitbucket's `x-oauth-scopes`). */
export function missingDvcsPermissions(granted: readonly string[]): DvcsPermission[] {
  const have = new Set(granted);
  return DVCS_PERMISSIONS.filter((p) => !p.impliedBy.some((scope) => have.has(scope)));
}

/** What the admin page can find out about a migration step: the test stage and codes that prove it. */
export interface MigrationStep {
  readonly id: 'callback-url' | 'private-consumer' | 'permissions' | 'delete-oauth1' | 'link-oauth2';
  readonly where: 'Bitbucket Cloud' | 'Jira Data Center' | 'this site';
  readonly title: string;
  readonly detail: string;
  /** The test stage that verifies it; null when nothing here can see it (the admin checks it there). */
  readonly verifiedBy: { readonly stage: 'credentials' | 'token' | 'api' } | null;
}

/**
 * Migrating a Jira DVCS connection from OAuth 1.0 to OAuth 2.0 (seed 002), in order. Steps in
 * Bitbucket are verified by a test of this site's link to the same consumer: the token endpoint
 * refuses a consumer without a callback URL, only private consumers get client-credentials
 * tokens, and the API tells which permissions the token carries. The Jira Data Center steps
 * happen on a page this site cannot read.
 */
export const OAUTH1_MIGRATION_STEPS: readonly MigrationStep[] = [
  {
    id: 'callback-url',
    where: 'Bitbucket Cloud',
    title: 'Add a callback URL to the existing OAuth consumer',
    detail:
      'Workspace settings > OAuth consumers > More actions (...) > Edit. Any URL will do (for example http://localhost or your Jira URL): it is not used, but without it the consumer is not an OAuth 2.0 consumer.',
    verifiedBy: { stage: 'credentials' },
  },
  {
    id: 'private-consumer',
    where: 'Bitbucket Cloud',
    title: 'Keep "This is a private consumer" selected',
    detail: 'Only a private consumer gets tokens with its own key and secret (client credentials), which is how the link connects.',
    verifiedBy: { stage: 'token' },
  },
  {
    id: 'permissions',
    where: 'Bitbucket Cloud',
    title: 'Give the consumer the permissions Jira needs',
    detail: `${DVCS_PERMISSIONS.map((p) => p.label).join(', ')}; the consumer's owner must be a member (with admin rights) of the workspace.`,
    verifiedBy: { stage: 'api' },
  },
  {
    id: 'delete-oauth1',
    where: 'Jira Data Center',
    title: 'Delete the OAuth 1.0 connection',
    detail: 'Administration > Applications > DVCS accounts: find the Bitbucket Cloud account, More actions (...) > Delete account, and confirm.',
    verifiedBy: null,
  },
  {
    id: 'link-oauth2',
    where: 'Jira Data Center',
    title: 'Link Bitbucket Cloud again using OAuth 2.0',
    detail:
      'Administration > Applications > DVCS accounts > Link an account; Host: Bitbucket cloud OAuth 2.0; enter the consumer\'s Key and Secret as Client ID and Client Secret (the same ones this link uses).',
    verifiedBy: null,
  },
];
