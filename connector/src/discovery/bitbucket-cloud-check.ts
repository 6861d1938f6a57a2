import { z } from 'zod';
import { DVCS_PERMISSIONS, bitbucketCloudApiBase, missingDvcsPermissions, type DiagnosticCode, type DiagnosticStatus } from '../../../contract';
import type { SafeHttp, SafeResponse } from '../outbound/safe-http';
import type { LinkRecord } from '../storage/store';

/** One stage's outcome, as test connection reports it. */
export interface CheckOutcome {
  status: DiagnosticStatus;
  code: DiagnosticCode;
  message: string;
  hint?: string;
}

/**
 * Bitbucket's answer when a token lacks a scope an endpoint needs (HTTP 403):
 * `{"type": "error", "error": {"message": ..., "detail": {"required": [...], "granted": [...]}}}`.
 */
const ScopeErrorSchema = z.object({
  error: z.object({
    message: z.string().optional(),
    detail: z.union([z.object({ required: z.array(z.string()).optional(), granted: z.array(z.string()).optional() }), z.string()]).optional(),
  }),
});

const MembershipSchema = z.object({ permission: z.string().optional() });

/**
 * The api stage of a Bitbucket Cloud link (Jira's DVCS consumer, seed 002): with the link's token,
 * asks Bitbucket's API 2.0 for each permission the consumer needs, and names every one that is
 * missing instead of stopping at the first.
 *
 * - account: `GET /2.0/user` (its `x-oauth-scopes` header lists what the token carries, which is
 *   also how Account: Write and Pull requests: Read are checked: no read call proves them);
 * - workspace membership: `GET /2.0/user/workspaces/{workspace}/permission` (404 when not a member);
 * - repositories: `GET /2.0/repositories/{workspace}?role=admin`;
 * - webhooks: `GET /2.0/workspaces/{workspace}/hooks` (needs the webhook scope and admin rights).
 *
 * Read calls only: a test must not change the remote. The token stays in this function.
 */
export async function checkBitbucketCloud(http: SafeHttp, link: LinkRecord, accessToken: string, limits: { timeoutMs: number; connectTimeoutMs: number }): Promise<CheckOutcome> {
  const api = bitbucketCloudApiBase(link.applicationUrl);
  const get = (url: string): Promise<SafeResponse> =>
    http.request(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, ...limits, maxBytes: 256 * 1024 });
  const missing = new Map<string, string>();
  const lack = (label: string, scope: string | null): void => void missing.set(label, scope === null ? label : `${label} (${scope})`);
  let granted: string[] | undefined;
  const noteGranted = (response: SafeResponse): void => {
    const header = response.headers['x-oauth-scopes'];
    const value = Array.isArray(header) ? header.join(',') : header;
    if (value !== undefined && granted === undefined) granted = value.split(/[\s,]+/).filter((s) => s !== '');
  };
  const forbidden = (response: SafeResponse, label: string, scope: string): void => {
    const required = requiredScopes(response.body);
    if (required === null) lack(label, scope);
    for (const needed of required ?? []) {
      const permission = DVCS_PERMISSIONS.find((p) => p.impliedBy.some((s) => s === needed) || p.scope.split(':')[0] === needed.split(':')[0]);
      lack(permission?.label ?? label, needed);
    }
  };

  const accountUrl = link.outgoing.apiProbeUrl ?? `${api}/user`;
  const account = await get(accountUrl);
  const accountPath = new URL(accountUrl).pathname;
  if (account.status === 401) return fail('TOKEN_REJECTED', `${accountPath} answered 401: Bitbucket does not accept the token.`);
  if (account.status === 403) forbidden(account, 'Account: Read', 'account');
  else if (account.status < 200 || account.status >= 300) return fail('API_ERROR', `${accountPath} answered HTTP ${account.status}.`);
  noteGranted(account);

  const workspace = link.outgoing.workspace ?? null;
  if (workspace === null) {
    const fromScopes = granted === undefined ? [] : missingDvcsPermissions(granted);
    if (fromScopes.length > 0 || missing.size > 0) {
      for (const p of fromScopes) lack(p.label, p.scope);
      return permissionsMissing(missing);
    }
    return {
      status: 'pass',
      code: 'OK',
      message: `${accountPath} answered ${account.status} with the link's token. No workspace is set on the link, so membership, repositories and webhooks were not checked.`,
    };
  }

  const ws = encodeURIComponent(workspace);
  const membership = await get(`${api}/user/workspaces/${ws}/permission`);
  noteGranted(membership);
  if (membership.status === 404) {
    return fail('BITBUCKET_NOT_WORKSPACE_MEMBER', `The consumer's owner is not a member of the workspace "${workspace}" (Bitbucket answered 404).`);
  }
  if (membership.status === 403) forbidden(membership, 'Account: Read', 'account');
  const role = membership.status === 200 ? MembershipSchema.safeParse(safeJson(membership.body)).data?.permission : undefined;

  const repositories = await get(`${api}/repositories/${ws}?role=admin&pagelen=1`);
  noteGranted(repositories);
  if (repositories.status === 403) forbidden(repositories, 'Repositories: Admin', 'repository:admin');
  else if (repositories.status >= 400) return fail('API_ERROR', `Listing the repositories of ${workspace} answered HTTP ${repositories.status}.`);

  const hooks = await get(`${api}/workspaces/${ws}/hooks?pagelen=1`);
  noteGranted(hooks);
  if (hooks.status === 403) {
    if (requiredScopes(hooks.body) === null && role !== undefined && role !== 'owner') lack(`Administrator of the workspace ${workspace}`, null);
    else forbidden(hooks, 'Webhooks: Read and write', 'webhook');
  } else if (hooks.status >= 400) return fail('API_ERROR', `Listing the webhooks of ${workspace} answered HTTP ${hooks.status}.`);

  for (const p of granted === undefined ? [] : missingDvcsPermissions(granted)) lack(p.label, p.scope);
  if (missing.size > 0) return permissionsMissing(missing);
  const scopes = granted === undefined ? '' : ` The token carries ${granted.join(' ')}.`;
  return {
    status: 'pass',
    code: 'OK',
    message: `Account, membership of ${workspace}${role === undefined ? '' : ` (${role})`}, repositories and webhooks are readable with the link's token.${scopes}`,
  };
}

function fail(code: DiagnosticCode, message: string): CheckOutcome {
  return { status: 'fail', code, message };
}

function permissionsMissing(missing: Map<string, string>): CheckOutcome {
  return { status: 'fail', code: 'BITBUCKET_PERMISSIONS_MISSING', message: `The consumer lacks: ${[...missing.values()].join(', ')}.` };
}

/** The scopes a 403 says the call needs, or null when it does not say (not a scope error). */
function requiredScopes(body: string): string[] | null {
  const parsed = ScopeErrorSchema.safeParse(safeJson(body));
  if (!parsed.success) return null;
  const detail = parsed.data.error.detail;
  return typeof detail === 'object' && detail.required !== undefined && detail.required.length > 0 ? detail.required : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
