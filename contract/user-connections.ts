import { z } from 'zod';
import { AuthorizeLinkResultSchema } from './connector-api';
import { LinkIdSchema } from './links';
import { RemoteKindSchema } from './remotes';

/**
 * Per-user links (impersonation): every Jira user connects their own account on the remote. The
 * connector takes the user from the verified invocation token's principal, never from a payload:
 * the `/v1/me/...` routes have no subject anywhere in their input. Administrators list a link's
 * users and disconnect any of them through the link's `users` routes.
 */
export const USER_CONNECTION_PATHS = {
  /** POST `{ids}` (Forge, as the user): the calling user's connection to each of these links. */
  myConnections: '/v1/me/connections',
  /** POST `{}` (Forge, as the user): where to send the user to connect their own account. */
  myConnect: '/v1/me/links/:id/connect',
  /** DELETE (Forge, as the user): revoke at the remote, then delete the user's own tokens. */
  myConnection: '/v1/me/links/:id/connection',
  /** GET `?limit&cursor` (operator, Forge admin resolvers): the users connected to a link, paged. */
  linkUsers: '/v1/links/:id/users',
  /** DELETE (operator, Forge admin resolvers): end one user's connection. */
  linkUser: '/v1/links/:id/users/:subject',
} as const;

/** The connector's paths filled in (each value URI-encoded). */
export const USER_CONNECTION_ROUTES = {
  myConnections: USER_CONNECTION_PATHS.myConnections,
  myConnect: (id: string) => `/v1/me/links/${encodeURIComponent(id)}/connect`,
  myConnection: (id: string) => `/v1/me/links/${encodeURIComponent(id)}/connection`,
  linkUsers: (id: string, query: { limit: number; cursor?: string | undefined }) =>
    `/v1/links/${encodeURIComponent(id)}/users?${new URLSearchParams({ limit: String(query.limit), ...(query.cursor === undefined ? {} : { cursor: query.cursor }) }).toString()}`,
  linkUser: (id: string, subject: string) => `/v1/links/${encodeURIComponent(id)}/users/${encodeURIComponent(subject)}`,
} as const;

/** An Atlassian account id as Forge names it (the principal); never read from a user's payload. */
export const AccountIdSchema = z.string().min(1).max(255).regex(/^[^\x00-\x1F\x7F/]+$/, 'must be an account id');

/**
 * connected: tokens held and valid; must-reconnect: the remote refused the refresh token;
 * disconnected: ended by the user or an admin; not-connected: never connected.
 */
export const UserConnectionStateSchema = z.enum(['connected', 'must-reconnect', 'disconnected', 'not-connected']);
export type UserConnectionState = z.infer<typeof UserConnectionStateSchema>;

export const UserConnectionSchema = z.object({
  linkId: z.string(),
  state: UserConnectionStateSchema,
  remoteUsername: z.string().nullable(),
  remoteDisplayName: z.string().nullable(),
  connectedAt: z.string().nullable(),
  /** When the current access token expires (the connector renews it before then). */
  expiresAt: z.string().nullable(),
  disconnectedAt: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
});
export type UserConnection = z.infer<typeof UserConnectionSchema>;

export const MyConnectionsInputSchema = z.strictObject({ ids: z.array(LinkIdSchema).min(1).max(500) });
export const MyConnectionsSchema = z.object({ items: z.array(UserConnectionSchema) });

export const LinkUserSchema = UserConnectionSchema.extend({ subject: z.string() });
export type LinkUser = z.infer<typeof LinkUserSchema>;
export const LinkUsersQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional(),
});
export const LinkUserPageSchema = z.object({ items: z.array(LinkUserSchema), nextCursor: z.string().nullable() });
export type LinkUserPage = z.infer<typeof LinkUserPageSchema>;
export const LinkUserParamsSchema = z.strictObject({ id: LinkIdSchema, subject: AccountIdSchema });

/** unreachable: the remote could not be reached (the tokens were deleted anyway). */
export const RevocationOutcomeSchema = z.enum(['revoked', 'no-endpoint', 'unreachable', 'refused', 'nothing-to-revoke']);
export const DisconnectResultSchema = z.object({ disconnected: z.boolean(), remote: RevocationOutcomeSchema });
export type DisconnectResult = z.infer<typeof DisconnectResultSchema>;

/** The users' page: each impersonating link with the calling user's connection to it. */
export const MyLinkConnectionSchema = z.object({
  link: z.object({ id: z.string(), name: z.string(), remoteKind: RemoteKindSchema, applicationUrl: z.string() }),
  connection: UserConnectionSchema.nullable(),
});
export const MyLinkConnectionsSchema = z.object({ items: z.array(MyLinkConnectionSchema), connectorReachable: z.boolean() });
export type MyLinkConnections = z.infer<typeof MyLinkConnectionsSchema>;

/**
 * The users' page resolvers (`jira:personalSettingsPage`): no Jira admin check, and no payload
 * names a user; each acts for the caller only (the connector reads the caller from the token).
 */
export const USER_RESOLVER_KEYS = ['listMyConnections', 'connectMyAccount', 'disconnectMyAccount'] as const;
export type UserResolverKey = (typeof USER_RESOLVER_KEYS)[number];

export const USER_RESOLVERS = {
  listMyConnections: { payload: z.strictObject({}), result: MyLinkConnectionsSchema },
  connectMyAccount: { payload: z.strictObject({ id: LinkIdSchema }), result: AuthorizeLinkResultSchema },
  disconnectMyAccount: { payload: z.strictObject({ id: LinkIdSchema }), result: DisconnectResultSchema },
} as const satisfies Record<UserResolverKey, { payload: z.ZodType; result: z.ZodType }>;

/** Admin resolvers of a link's users panel (in `RESOLVERS`, so they check Jira admin first). */
export const ListLinkUsersPayloadSchema = z.strictObject({ id: LinkIdSchema, limit: z.number().int().min(1).max(200).default(50), cursor: z.string().max(300).optional() });
export const DisconnectLinkUserPayloadSchema = z.strictObject({ id: LinkIdSchema, subject: AccountIdSchema });

export function isUserResolverKey(key: unknown): key is UserResolverKey {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(USER_RESOLVERS, key);
}
