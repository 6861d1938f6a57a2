import { z } from 'zod';
import { AuditPageSchema } from './audit';
import { ConnectorStatusViewSchema, DeleteLinkResultSchema, ForgeLinkViewSchema, LinkPageSchema } from './admin-views';
import { AuthorizeLinkResultSchema, RelocateLinkInputSchema } from './connector-api';
import { TestConnectionResultSchema } from './diagnostics';
import { ExchangeStepIdSchema } from './exchange';
import { LinkHealthSchema } from './health';
import { ForgePairInputSchema } from './forge-channel';
import { IncomingClientIdSchema, IncomingClientListSchema, IncomingCredentialsInputSchema, IssuedIncomingCredentialsSchema } from './incoming';
import { CreateLinkInputSchema, HttpUrlSchema, LinkIdSchema, UpdateLinkInputSchema } from './links';
import { ProbeInputSchema, ProbeResultSchema } from './probe';
import { DisconnectLinkUserPayloadSchema, DisconnectResultSchema, LinkUserPageSchema, ListLinkUsersPayloadSchema, USER_RESOLVERS, type UserResolverKey } from './user-connections';

/**
 * The wire between the admin page and the resolver function: every key, the payload it takes and
 * the data it answers (inside the envelope of `forge-errors.ts`). The resolvers parse payloads with
 * these schemas; the page checks payloads before sending and parses answers with them.
 */

export const RESOLVER_KEYS = [
  'listLinks',
  'getLink',
  'createLink',
  'updateLink',
  'deleteLink',
  'relocateLink',
  'testConnection',
  'authorizeLink',
  'probeRemote',
  'updateExchangeStep',
  'issueIncomingCredentials',
  'updateIncomingCredentials',
  'listIncomingClients',
  'revokeIncomingClient',
  'getConnectorStatus',
  'pairConnector',
  'listAuditLog',
  'getLinkHealth',
  'listLinkUsers',
  'disconnectLinkUser',
] as const;
export type ResolverKey = (typeof RESOLVER_KEYS)[number];


export const ListLinksPayloadSchema = z.strictObject({
  limit: z.number().int().min(1).max(100).default(50),
  cursor: z.string().max(1000).optional(),
});
export const GetLinkPayloadSchema = z.strictObject({ id: LinkIdSchema });
export const CreateLinkPayloadSchema = CreateLinkInputSchema;
export const UpdateLinkPayloadSchema = z.strictObject({
  id: LinkIdSchema,
  /** The version the admin edited; a newer stored version answers CONFLICT. */
  expectedVersion: z.number().int().positive().optional(),
  /** The URL changes only through relocate, which also tells the connector the remote moved. */
  changes: UpdateLinkInputSchema.omit({ applicationUrl: true }),
});
export const DeleteLinkPayloadSchema = z.strictObject({
  id: LinkIdSchema,
  /** Remove this site's half even when the connector cannot be reached. */
  force: z.boolean().default(false),
});
export const RelocateLinkPayloadSchema = RelocateLinkInputSchema.extend({ id: LinkIdSchema });
export const TestConnectionPayloadSchema = z.strictObject({ id: LinkIdSchema });
export const ProbeRemotePayloadSchema = ProbeInputSchema;
export const AuthorizeLinkPayloadSchema = z.strictObject({ id: LinkIdSchema });
export const UpdateExchangeStepPayloadSchema = z.strictObject({
  id: LinkIdSchema,
  step: ExchangeStepIdSchema,
  status: z.enum(['pending', 'done']),
});
export const IssueIncomingPayloadSchema = IncomingCredentialsInputSchema.extend({ id: LinkIdSchema });
export const UpdateIncomingPayloadSchema = z.strictObject({
  id: LinkIdSchema,
  scopes: IncomingCredentialsInputSchema.shape.scopes.optional(),
  redirectUri: HttpUrlSchema.optional(),
  redirectUriIsPlaceholder: z.boolean().optional(),
});
export const ListIncomingClientsPayloadSchema = z.strictObject({ id: LinkIdSchema });
export const RevokeIncomingClientPayloadSchema = z.strictObject({ id: LinkIdSchema, clientId: IncomingClientIdSchema });
export const GetConnectorStatusPayloadSchema = z.strictObject({});
export const PairConnectorPayloadSchema = ForgePairInputSchema;
export const ListAuditLogPayloadSchema = z.strictObject({
  linkId: LinkIdSchema.optional(),
  /** kvs answers at most 20 records a query, so a page is at most that. */
  limit: z.number().int().min(1).max(20).default(20),
  cursor: z.string().max(2000).optional(),
});

export const GetLinkHealthPayloadSchema = z.strictObject({ id: LinkIdSchema });

export const TestConnectionResponseSchema = z.object({ result: TestConnectionResultSchema, link: ForgeLinkViewSchema });

/** Each resolver's payload and answer, by key. */
export const RESOLVERS = {
  listLinks: { payload: ListLinksPayloadSchema, result: LinkPageSchema },
  getLink: { payload: GetLinkPayloadSchema, result: ForgeLinkViewSchema },
  createLink: { payload: CreateLinkPayloadSchema, result: ForgeLinkViewSchema },
  updateLink: { payload: UpdateLinkPayloadSchema, result: ForgeLinkViewSchema },
  deleteLink: { payload: DeleteLinkPayloadSchema, result: DeleteLinkResultSchema },
  relocateLink: { payload: RelocateLinkPayloadSchema, result: ForgeLinkViewSchema },
  testConnection: { payload: TestConnectionPayloadSchema, result: TestConnectionResponseSchema },
  authorizeLink: { payload: AuthorizeLinkPayloadSchema, result: AuthorizeLinkResultSchema },
  probeRemote: { payload: ProbeRemotePayloadSchema, result: ProbeResultSchema },
  updateExchangeStep: { payload: UpdateExchangeStepPayloadSchema, result: ForgeLinkViewSchema },
  issueIncomingCredentials: { payload: IssueIncomingPayloadSchema, result: IssuedIncomingCredentialsSchema },
  updateIncomingCredentials: { payload: UpdateIncomingPayloadSchema, result: ForgeLinkViewSchema },
  listIncomingClients: { payload: ListIncomingClientsPayloadSchema, result: IncomingClientListSchema },
  revokeIncomingClient: { payload: RevokeIncomingClientPayloadSchema, result: ForgeLinkViewSchema },
  getConnectorStatus: { payload: GetConnectorStatusPayloadSchema, result: ConnectorStatusViewSchema },
  pairConnector: { payload: PairConnectorPayloadSchema, result: ConnectorStatusViewSchema },
  listAuditLog: { payload: ListAuditLogPayloadSchema, result: AuditPageSchema },
  getLinkHealth: { payload: GetLinkHealthPayloadSchema, result: LinkHealthSchema },
  listLinkUsers: { payload: ListLinkUsersPayloadSchema, result: LinkUserPageSchema },
  disconnectLinkUser: { payload: DisconnectLinkUserPayloadSchema, result: DisconnectResultSchema },
} as const satisfies Record<ResolverKey, { payload: z.ZodType; result: z.ZodType }>;

export type ResolverPayload<K extends ResolverKey> = z.input<(typeof RESOLVERS)[K]['payload']>;
export type ResolverResult<K extends ResolverKey> = z.output<(typeof RESOLVERS)[K]['result']>;

/**
 * Whether a key names a declared resolver. An own-property check on purpose: `constructor`,
 * `toString` and every other name inherited from `Object` are not resolvers.
 */
export function isResolverKey(key: unknown): key is ResolverKey {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(RESOLVERS, key);
}

/** Every resolver, the admin page's and the users' page's (`user-connections.ts`), by key. */
export const ALL_RESOLVERS = { ...RESOLVERS, ...USER_RESOLVERS };
export type AnyResolverKey = ResolverKey | UserResolverKey;
export type AnyResolverPayload<K extends AnyResolverKey> = z.input<(typeof ALL_RESOLVERS)[K]['payload']>;
export type AnyResolverResult<K extends AnyResolverKey> = z.output<(typeof ALL_RESOLVERS)[K]['result']>;
