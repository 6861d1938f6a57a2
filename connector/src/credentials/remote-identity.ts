import type { Logger } from 'pino';
import { z } from 'zod';
import { REMOTE_PRESETS, expandEndpoint, type RemoteKind } from '../../../contract';
import type { SafeHttp } from '../outbound/safe-http';
import type { LinkRecord } from '../storage/store';

/** Who a token belongs to on the remote, as its current-user endpoint says. */
export interface RemoteIdentity {
  username: string;
  displayName: string | null;
}

/** Asks the remote who a freshly obtained token belongs to; null when it cannot tell. */
export type IdentifyRemoteUser = (link: LinkRecord, accessToken: string) => Promise<RemoteIdentity | null>;

/**
 * Current-user endpoints where the kind's API probe is not one (Bitbucket Data Center's probe
 * reads application properties; its `whoami` servlet answers the user name as plain text).
 */
const CURRENT_USER: Partial<Record<RemoteKind, string>> = {
  bitbucket: '{base}/plugins/servlet/applinks/whoami',
};

/** The fields Data Center products and common providers use for the user's name, in order of preference. */
const UserSchema = z
  .object({
    name: z.string().optional(),
    username: z.string().optional(),
    preferred_username: z.string().optional(),
    login: z.string().optional(),
    slug: z.string().optional(),
    key: z.string().optional(),
    email: z.string().optional(),
    displayName: z.string().optional(),
    display_name: z.string().optional(),
    fullName: z.string().optional(),
  })
  .passthrough();

/** Reads a current-user answer (JSON object, or a plain-text user name); null when it names nobody. */
export function parseRemoteIdentity(body: string, contentType: string | undefined): RemoteIdentity | null {
  if (!/json/i.test(contentType ?? '')) {
    const text = body.trim();
    return /^[^\s<>]{1,255}$/.test(text) ? { username: text, displayName: null } : null;
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  const user = UserSchema.safeParse(json);
  if (!user.success) return null;
  const u = user.data;
  const username = u.name ?? u.username ?? u.preferred_username ?? u.login ?? u.slug ?? u.key ?? u.email;
  if (username === undefined || username === '' || username.length > 1024) return null;
  const displayName = u.displayName ?? u.display_name ?? u.fullName ?? null;
  return { username, displayName: displayName === null ? null : displayName.slice(0, 1024) };
}

/**
 * The remote's current-user endpoint, called with the user's new token through the outbound
 * policy (the same checks as every other call). Failures are logged and answered null: the
 * connection is kept, only the remote name is missing.
 */
export function remoteIdentityReader(deps: { http: SafeHttp; logger: Logger }): IdentifyRemoteUser {
  return async (link, accessToken) => {
    const kind = link.remoteKind as RemoteKind;
    const template = CURRENT_USER[kind] ?? REMOTE_PRESETS[kind]?.endpoints?.api;
    const endpoint = link.outgoing.apiProbeUrl ?? (template === undefined ? null : expandEndpoint(template, { base: link.applicationUrl, tenant: link.outgoing.tenant ?? undefined }));
    if (endpoint === null) return null;
    try {
      const response = await deps.http.request(endpoint, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, timeoutMs: 10_000, maxBytes: 64 * 1024 });
      if (response.status !== 200) {
        deps.logger.warn({ linkId: link.id, status: response.status }, 'the remote did not say who the token belongs to');
        return null;
      }
      return parseRemoteIdentity(response.body, response.headers['content-type']);
    } catch (error) {
      deps.logger.warn({ linkId: link.id, code: (error as { code?: unknown }).code }, 'the remote current-user endpoint could not be reached');
      return null;
    }
  };
}
