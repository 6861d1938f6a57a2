import {
  AuthorizeLinkResultSchema,
  CONNECTOR_PATHS,
  DisconnectResultSchema,
  LinkParamsSchema,
  LinkUserPageSchema,
  LinkUserParamsSchema,
  LinkUsersQuerySchema,
  MyConnectionsInputSchema,
  MyConnectionsSchema,
  USER_CONNECTION_PATHS,
  type UserConnection,
} from '../../../contract';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import type { Principal } from '../http/auth';
import { HttpError } from '../http/errors';
import type { UserConnectionView } from '../storage/store';
import type { UserConnections } from './user-connections';
import { callbackPage } from './callback-page';
import type { CallbackResult, CredentialService } from './service';

const SubjectSchema = z.string().min(1).max(255).regex(/^[^\x00-\x1F\x7F]+$/, 'must be a user name or account id');

/**
 * No subject here: a per-user credential belongs to the invocation token's principal, never to a
 * value in a payload (users connect through `/v1/me/links/:id/connect`, `user-routes.ts`).
 */
export const AuthorizeInputSchema = z.strictObject({});
/** `subject` (the Atlassian account id) or `remoteUser` (the user's name on the remote) picks a user's token. */
export const TokenQuerySchema = z.strictObject({ subject: SubjectSchema.optional(), remoteUser: SubjectSchema.optional() });
export const ServedTokenSchema = z.object({
  accessToken: z.string(),
  tokenType: z.string(),
  expiresAt: z.string(),
  scopes: z.array(z.string()),
});

const V4_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The token read's common input, recognised without zod: `{ id }` holding a lowercase v4 UUID (what
 * the connector gives out, a subset of what `LinkParamsSchema` accepts) and no query at all.
 */
export const tokenReadAccepts = {
  params: (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null) return false;
    const id = (value as { id?: unknown }).id;
    return typeof id === 'string' && V4_UUID.test(id) && Object.keys(value).length === 1;
  },
  query: (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    for (const _key in value) return false;
    return Object.getOwnPropertySymbols(value).length === 0;
  },
};

export function credentialRoutes(deps: { credentials: CredentialService }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: CONNECTOR_PATHS.authorize,
      summary: 'Start authorizing a link: returns the URL to open (authorization code with PKCE), or connects at once (client credentials)',
      tags: ['tokens'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      body: AuthorizeInputSchema,
      response: { status: 200, schema: AuthorizeLinkResultSchema, description: 'Where to send the person' },
      handler: async ({ params }) => {
        const link = await deps.credentials.linkForAuthorization(params.id);
        if (link.outgoing.grantType === 'client_credentials') {
          await deps.credentials.obtainClientCredentials(params.id);
          return { authorizationUrl: null, expiresAt: null };
        }
        return deps.credentials.startAuthorization(params.id, undefined);
      },
    }),
    defineRoute({
      method: 'GET',
      url: CONNECTOR_PATHS.token,
      summary: 'A valid access token for a consumer (API key scoped to the link); refreshed first when needed',
      tags: ['tokens'],
      auth: ['consumer'],
      params: LinkParamsSchema,
      query: TokenQuerySchema,
      response: { status: 200, schema: ServedTokenSchema, description: 'The access token' },
      accepts: tokenReadAccepts,
      serializerOnly: true,
      handler: async ({ params, query, principal, reply }) => {
        if (principal?.linkIds?.includes(params.id) !== true) throw new HttpError('FORBIDDEN', 'This API key is not allowed to read tokens of that link.');
        void reply.header('cache-control', 'no-store');
        if (query.subject === undefined && query.remoteUser === undefined) return deps.credentials.getLinkAccessToken(params.id);
        return deps.credentials.getUserAccessToken(params.id, query);
      },
    }),
  ];
}

/**
 * The provider sends the person's browser here. It answers a short HTML page in every case, and
 * keeps the code out of logs (the logger drops query strings) and out of referrers.
 */
export function registerCallbackRoute(app: FastifyInstance, credentials: CredentialService): void {
  app.get(CONNECTOR_PATHS.oauthCallback, async (request, reply) => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    let result: CallbackResult;
    try {
      result = await credentials.completeAuthorization(query);
    } catch (error) {
      request.log.error({ err: error }, 'callback failed');
      result = { ok: false, title: 'Authorization failed', message: 'The connector could not complete the authorization. The cause has been logged.' };
    }
    return reply
      .code(result.ok ? 200 : 400)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .header('x-content-type-options', 'nosniff')
      .send(callbackPage(result));
  });
}

/**
 * The owner of a per-user credential: the Atlassian account id of the verified Forge invocation
 * token's principal. Nothing else: no body, query or path of a `/v1/me` route names a user, so a
 * user can reach no credential but their own, whatever they send.
 */
function callerOf(principal: Principal | null): string {
  const accountId = principal?.kind === 'forge' ? principal.accountId : undefined;
  if (typeof accountId !== 'string' || accountId === '') {
    throw new HttpError('FORBIDDEN', 'Only a signed-in Jira user can connect their own account: the invocation token names no user.');
  }
  return accountId;
}

/** The wire view of a stored connection (or of none). */
export function connectionView(linkId: string, view: UserConnectionView | undefined): UserConnection {
  const token = view?.token ?? null;
  const state = view === undefined ? 'not-connected' : token === null ? (view.disconnectedAt !== null ? 'disconnected' : 'not-connected') : token.state === 'needs-reauthorization' ? 'must-reconnect' : 'connected';
  return {
    linkId,
    state,
    remoteUsername: view?.remoteUsername ?? null,
    remoteDisplayName: view?.remoteDisplayName ?? null,
    connectedAt: view?.connectedAt ?? null,
    expiresAt: token?.expiresAt ?? null,
    disconnectedAt: view?.disconnectedAt ?? null,
    lastErrorCode: token?.lastErrorCode ?? null,
  };
}

/** Per-user links: the user's own connection (`/v1/me`, the principal only) and the admins' view of a link's users. */
export function userConnectionRoutes(deps: { users: UserConnections }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: USER_CONNECTION_PATHS.myConnections,
      summary: "The invoking user's connection to each of these links (the user is the invocation token's principal)",
      tags: ['users'],
      auth: ['forge'],
      body: MyConnectionsInputSchema,
      response: { status: 200, schema: MyConnectionsSchema, description: 'One entry per link asked about' },
      handler: async ({ body, principal }) => {
        const subject = callerOf(principal);
        const ids = [...new Set(body.ids)];
        const found = await deps.users.mine(subject, ids);
        return { items: ids.map((id) => connectionView(id, found.get(id))) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: USER_CONNECTION_PATHS.myConnect,
      summary: "Start connecting the invoking user's own account on an impersonating link: the URL of the remote's sign-in",
      tags: ['users'],
      auth: ['forge'],
      params: LinkParamsSchema,
      body: z.strictObject({}),
      response: { status: 200, schema: AuthorizeLinkResultSchema, description: 'Where to send the user' },
      handler: async ({ params, principal }) => deps.users.connect(params.id, callerOf(principal)),
    }),
    defineRoute({
      method: 'DELETE',
      url: USER_CONNECTION_PATHS.myConnection,
      summary: "End the invoking user's own connection: revoke at the remote when it can, then delete the tokens",
      tags: ['users'],
      auth: ['forge'],
      params: LinkParamsSchema,
      response: { status: 200, schema: DisconnectResultSchema, description: 'What the remote said; the tokens are gone either way' },
      handler: async ({ params, principal }) => deps.users.disconnect(params.id, callerOf(principal), { kind: 'user' }),
    }),
    defineRoute({
      method: 'GET',
      url: USER_CONNECTION_PATHS.linkUsers,
      summary: 'The users connected to a link, ordered by account id, a page at a time (administrators)',
      tags: ['users'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      query: LinkUsersQuerySchema,
      response: { status: 200, schema: LinkUserPageSchema, description: 'A page of users' },
      handler: async ({ params, query }) => {
        const page = await deps.users.list(params.id, { limit: query.limit, cursor: query.cursor });
        return { items: page.items.map((view) => ({ ...connectionView(params.id, view), subject: view.subject })), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: USER_CONNECTION_PATHS.linkUser,
      summary: "End one user's connection (administrators; the Forge app audits it)",
      tags: ['users'],
      auth: ['operator', 'forge'],
      params: LinkUserParamsSchema,
      response: { status: 200, schema: DisconnectResultSchema, description: 'What the remote said; the tokens are gone either way' },
      handler: async ({ params, principal, request }) => {
        const admin = principal?.kind === 'forge' ? (principal.accountId ?? 'forge') : 'operator';
        const result = await deps.users.disconnect(params.id, params.subject, { kind: 'admin', accountId: admin });
        request.log.info({ linkId: params.id, by: admin, remote: result.remote }, 'an administrator ended a user connection');
        return result;
      },
    }),
  ];
}
