import { z } from 'zod';
import { TestConnectionResultSchema } from './diagnostics';
import { ForgePairInputSchema } from './forge-channel';
import { ProbeInputSchema } from './probe';
import {
  CredentialSummarySchema,
  AuthKindSchema,
  CreateLinkInputSchema,
  HttpUrlSchema,
  LinkIdSchema,
  LinkStatusSchema,
  SecretFingerprintSchema,
  UpdateLinkInputSchema,
} from './links';
import { RemoteKindSchema, type ScopeDefinition } from './remotes';

/**
 * The Forge app's side of the contract: what the admin page sends to the resolvers and gets back,
 * the cloud side of a link (incoming credentials, exchange steps), and the connector routes the
 * app calls through Forge Remote. The connector's own link schemas live in `links.ts`.
 */

// ---------------------------------------------------------------------------------------------
// Resolver responses and errors
// ---------------------------------------------------------------------------------------------

/**
 * Every resolver answers `{success: true, data}` or `{success: false, status, errors}`. The codes
 * are stable (the admin page branches on them) and each fixes the HTTP-like status reported with it.
 */
export const FORGE_ERRORS = {
  FORBIDDEN: { status: 403, message: 'Only Jira administrators can manage application links.' },
  ADMIN_CHECK_FAILED: { status: 503, message: 'Jira did not confirm that you are an administrator; try again in a moment.' },
  VALIDATION_FAILED: { status: 400, message: 'The request does not match what this action accepts.' },
  NOT_FOUND: { status: 404, message: 'No such link.' },
  CONFLICT: { status: 409, message: 'The link changed while you were editing it: reload it and try again.' },
  LIMIT_REACHED: { status: 409, message: 'This site has reached the maximum number of application links.' },
  STEP_NOT_MANUAL: { status: 400, message: 'This step completes by itself when its action is done; it cannot be set by hand.' },
  INCOMING_NOT_AVAILABLE: { status: 400, message: 'This kind of remote does not call this site, so it has no incoming credentials.' },
  INCOMING_NOT_ISSUED: { status: 400, message: 'Issue incoming credentials for this link first.' },
  CONNECTOR_UNREACHABLE: {
    status: 502,
    message:
      'The connector did not answer. Check that it runs, that its public HTTPS URL is the one in manifest.yml (npm run forge:configure) and that Forge can reach it.',
  },
  CONNECTOR_UNAUTHENTICATED: {
    status: 409,
    message: "The connector did not accept this app's invocation token: set FORGE_APP_ID on the connector to this app's id (app.id in manifest.yml).",
  },
  CONNECTOR_FORBIDDEN: {
    status: 409,
    message: 'The connector refused this site: it is not paired with it yet, or it is paired with another site.',
  },
  CONNECTOR_REJECTED: { status: 400, message: 'The connector refused the request.' },
  CONNECTOR_LINK_MISSING: {
    status: 409,
    message: 'The connector has no record of this link. It may have been deleted there: delete the link here and create it again.',
  },
  CONNECTOR_ERROR: { status: 502, message: 'The connector failed to answer properly; its log has the cause.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side. The cause has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ForgeErrorCode = keyof typeof FORGE_ERRORS;
export const FORGE_ERROR_CODES = Object.keys(FORGE_ERRORS) as [ForgeErrorCode, ...ForgeErrorCode[]];

export const ResolverErrorSchema = z.object({
  code: z.enum(FORGE_ERROR_CODES),
  message: z.string(),
  /** Where in the payload the problem is, as a dotted path, for validation errors. */
  path: z.string().optional(),
});
export type ResolverError = z.infer<typeof ResolverErrorSchema>;

export const ResolverFailureSchema = z.object({
  success: z.literal(false),
  status: z.number().int(),
  errors: z.array(ResolverErrorSchema).min(1),
});
export type ResolverFailure = z.infer<typeof ResolverFailureSchema>;

export const resolverSuccessSchema = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });
export type ResolverSuccess<T> = { success: true; data: T };
export type ResolverResponse<T> = ResolverSuccess<T> | ResolverFailure;

// ---------------------------------------------------------------------------------------------
// The cloud side's incoming credentials (the remote calls this site)
// ---------------------------------------------------------------------------------------------

/**
 * Scopes this site grants a remote on its incoming credentials. They form one ladder, like Jira
 * Data Center's: a higher scope implies the lower ones.
 */
export const CLOUD_INCOMING_SCOPES: readonly ScopeDefinition[] = [
  { name: 'READ', description: 'View content and use read-only APIs.', ladder: 'cloud', rank: 0 },
  { name: 'WRITE', description: 'Create and edit content (includes READ).', ladder: 'cloud', rank: 1 },
  { name: 'ADMIN', description: 'Perform administrative actions (includes WRITE).', ladder: 'cloud', rank: 2 },
];
export const CloudIncomingScopeSchema = z.enum(['READ', 'WRITE', 'ADMIN']);
export type CloudIncomingScope = z.infer<typeof CloudIncomingScopeSchema>;

/** Every scope the granted ones imply, following the ladder downwards. */
export function impliedCloudScopes(granted: readonly string[]): Set<CloudIncomingScope> {
  const ranks = granted
    .map((name) => CLOUD_INCOMING_SCOPES.find((s) => s.name === name)?.rank)
    .filter((rank): rank is number => rank !== undefined);
  const top = Math.max(-1, ...ranks);
  return new Set(CLOUD_INCOMING_SCOPES.filter((s) => (s.rank ?? 0) <= top).map((s) => s.name as CloudIncomingScope));
}

export const IncomingCredentialsInputSchema = z.strictObject({
  scopes: z.array(CloudIncomingScopeSchema).min(1).max(CLOUD_INCOMING_SCOPES.length),
  /**
   * The redirect URI the remote's outgoing link shows. Omitted (or flagged as a placeholder, such as
   * the remote's own URL, as seed 000 suggests) until the admin has it; the link says so until then.
   */
  redirectUri: HttpUrlSchema.optional(),
  redirectUriIsPlaceholder: z.boolean().optional(),
});
export type IncomingCredentialsInput = z.infer<typeof IncomingCredentialsInputSchema>;

export const IncomingViewSchema = z.object({
  clientId: z.string(),
  scopes: z.array(CloudIncomingScopeSchema),
  redirectUri: z.string().nullable(),
  /** True while the redirect URI is missing or a placeholder: the exchange is not finished. */
  redirectUriIsPlaceholder: z.boolean(),
  clientSecretFingerprint: SecretFingerprintSchema,
  issuedAt: z.string(),
  /** Where the remote gets tokens with these credentials (this app's web trigger). */
  tokenEndpointUrl: z.string().nullable(),
  /** An API that answers only to a valid token: the remote's outgoing link can test against it. */
  pingUrl: z.string().nullable(),
});
export type IncomingView = z.infer<typeof IncomingViewSchema>;

// ---------------------------------------------------------------------------------------------
// Exchange steps: who does what, and which value moves where
// ---------------------------------------------------------------------------------------------

export const EXCHANGE_STEP_IDS = [
  'remote-incoming-link',
  'outgoing-credentials',
  'incoming-credentials',
  'remote-outgoing-link',
  'redirect-uri',
  'authorize',
  'test-connection',
] as const;
export const ExchangeStepIdSchema = z.enum(EXCHANGE_STEP_IDS);
export type ExchangeStepId = z.infer<typeof ExchangeStepIdSchema>;

/** Steps the admin marks by hand: they happen in the remote application, where this app cannot look. */
export const MANUAL_EXCHANGE_STEPS = ['remote-incoming-link', 'remote-outgoing-link'] as const satisfies readonly ExchangeStepId[];
export const ManualExchangeStepSchema = z.enum(MANUAL_EXCHANGE_STEPS);
export type ManualExchangeStep = z.infer<typeof ManualExchangeStepSchema>;

export const ExchangeStepViewSchema = z.object({
  id: ExchangeStepIdSchema,
  title: z.string(),
  /** Who acts: an admin of this Jira site, or an admin of the remote application. */
  actor: z.enum(['site-admin', 'remote-admin']),
  mode: z.enum(['manual', 'automatic']),
  /** The value that moves, from where to where, when the step moves one. */
  moves: z.object({ value: z.string(), from: z.string(), to: z.string() }).nullable(),
  status: z.enum(['pending', 'done']),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type ExchangeStepView = z.infer<typeof ExchangeStepViewSchema>;

// ---------------------------------------------------------------------------------------------
// The link as the admin page sees it
// ---------------------------------------------------------------------------------------------

export const ForgeOutgoingViewSchema = z.object({
  clientId: z.string().nullable(),
  hasClientSecret: z.boolean(),
  clientSecretFingerprint: SecretFingerprintSchema.nullable(),
  scopes: z.array(z.string()),
  grantType: z.enum(['authorization_code', 'client_credentials']),
  /** The connector's callback, to register in the remote as the redirect URI. */
  redirectUri: z.string().nullable(),
});

export const ForgeLinkViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  remoteKind: RemoteKindSchema,
  applicationUrl: z.string(),
  displayUrl: z.string().nullable(),
  authKind: AuthKindSchema,
  status: LinkStatusSchema,
  statusReason: z.string().nullable(),
  outgoing: ForgeOutgoingViewSchema,
  incoming: IncomingViewSchema.nullable(),
  exchange: z.object({
    steps: z.array(ExchangeStepViewSchema),
    complete: z.boolean(),
    next: ExchangeStepIdSchema.nullable(),
  }),
  lastTest: TestConnectionResultSchema.nullable(),
  /** False when the connector could not be asked for fresh status; the rest is what this site last knew. */
  connectorReachable: z.boolean(),
  /**
   * The outgoing credential as the connector holds it (state, expiry), never kept by this site:
   * null when this answer did not come with the connector's view (it did not answer, or the
   * change touched this site only).
   */
  credential: CredentialSummarySchema.nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  version: z.number().int(),
});
export type ForgeLinkView = z.infer<typeof ForgeLinkViewSchema>;

export const LinkSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  remoteKind: RemoteKindSchema,
  applicationUrl: z.string(),
  status: LinkStatusSchema,
  hasIncoming: z.boolean(),
  updatedAt: z.string(),
  /** Added later: summaries written before lack them, so they are optional. */
  authKind: AuthKindSchema.optional(),
  lastTest: z.object({ ok: z.boolean(), testedAt: z.string() }).nullable().optional(),
  /** Filled when the list is read (from the connector, never stored): absent when it did not answer. */
  credential: CredentialSummarySchema.optional(),
});
export type LinkSummary = z.infer<typeof LinkSummarySchema>;

export const LinkPageSchema = z.object({
  items: z.array(LinkSummarySchema),
  total: z.number().int(),
  nextCursor: z.string().nullable(),
  /** False when the connector did not answer: the credentials' state is then unknown. */
  connectorReachable: z.boolean(),
});
export type LinkPage = z.infer<typeof LinkPageSchema>;

export const IssuedIncomingCredentialsSchema = z.object({
  incoming: IncomingViewSchema,
  /** Shown this once: only a hash is kept. */
  clientSecret: z.string(),
});
export type IssuedIncomingCredentials = z.infer<typeof IssuedIncomingCredentialsSchema>;

export const DeleteLinkResultSchema = z.object({
  deleted: z.literal(true),
  connector: z.enum(['deleted', 'already-gone', 'not-deleted']),
  /** The remote application's half cannot be removed from here: what the remote's admin must check. */
  remote: z.object({ removed: z.literal(false), whatToCheck: z.array(z.string()) }),
});
export type DeleteLinkResult = z.infer<typeof DeleteLinkResultSchema>;

// ---------------------------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------------------------

export const AUDIT_ACTIONS = [
  'link.created',
  'link.updated',
  'link.deleted',
  'link.relocated',
  'link.exchange-step',
  'incoming.issued',
  'incoming.updated',
  'connector.paired',
] as const;
export const AuditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditActionSchema>;

const JsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const AuditChangeSchema = z.object({
  field: z.string(),
  /** Values as stored; secret fields are recorded as changed without any value. */
  from: z.union([JsonScalar, z.array(JsonScalar)]),
  to: z.union([JsonScalar, z.array(JsonScalar)]),
});
export type AuditChange = z.infer<typeof AuditChangeSchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actorAccountId: z.string(),
  action: AuditActionSchema,
  linkId: z.string().nullable(),
  linkName: z.string().nullable(),
  changes: z.array(AuditChangeSchema),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditPageSchema = z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPageSchema>;

// ---------------------------------------------------------------------------------------------
// Connector pairing and the connector routes the app calls (through Forge Remote)
// ---------------------------------------------------------------------------------------------

/**
 * What the admin page shows about the connector. Pairing itself is the connector's contract
 * (`forge-channel.ts`: `POST /v1/forge/pair`, `GET /v1/forge/status`).
 */
export const ConnectorStatusViewSchema = z.object({
  reachable: z.boolean(),
  paired: z.boolean(),
  installationId: z.string().nullable(),
  pairedAt: z.string().nullable(),
  connectorVersion: z.string().nullable(),
  /** When the connector cannot be asked: why, and what to check. */
  problem: ResolverErrorSchema.nullable(),
});
export type ConnectorStatusView = z.infer<typeof ConnectorStatusViewSchema>;

/** Body of the connector's relocate route: the remote moved to a new URL. */
export const RelocateLinkInputSchema = z.strictObject({
  applicationUrl: HttpUrlSchema,
  displayUrl: HttpUrlSchema.nullable().optional(),
});
export type RelocateLinkInput = z.infer<typeof RelocateLinkInputSchema>;

/** Paths on the connector that the Forge app calls (DESIGN section 4, connector contract). */
export const CONNECTOR_ROUTES = {
  links: '/v1/links',
  link: (id: string) => `/v1/links/${encodeURIComponent(id)}`,
  /** POST `{ids}`: the credential summaries (state, expiry) of up to 500 links, for the links list. */
  credentialSummaries: '/v1/links/credentials',
  relocate: (id: string) => `/v1/links/${encodeURIComponent(id)}/relocate`,
  test: (id: string) => `/v1/links/${encodeURIComponent(id)}/test`,
  /** POST `{url, kind?}`: what is at a URL (kind, version, OAuth 2.0 support, display URL), before a link is created. */
  probe: '/v1/probe',
  /** POST `{}`: where to send the admin to authorize the outgoing link (the connector's PKCE flow). */
  authorize: (id: string) => `/v1/links/${encodeURIComponent(id)}/authorize`,
  /** POST `{code}`: bind the calling installation (schemas in `forge-channel.ts`). */
  forgePair: '/v1/forge/pair',
  /** GET: which installation the connector is paired with. */
  forgeStatus: '/v1/forge/status',
} as const;

// ---------------------------------------------------------------------------------------------
// Resolver keys and payloads
// ---------------------------------------------------------------------------------------------

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
  'getConnectorStatus',
  'pairConnector',
  'listAuditLog',
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
/** The connector's answer to authorize: the URL to open, or null when the link connected at once (client credentials). */
export const AuthorizeLinkResultSchema = z.object({ authorizationUrl: z.string().nullable(), expiresAt: z.string().nullable() });
export type AuthorizeLinkResult = z.infer<typeof AuthorizeLinkResultSchema>;
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
export const GetConnectorStatusPayloadSchema = z.strictObject({});
export const PairConnectorPayloadSchema = ForgePairInputSchema;
export const ListAuditLogPayloadSchema = z.strictObject({
  linkId: LinkIdSchema.optional(),
  /** kvs answers at most 20 records a query, so a page is at most that. */
  limit: z.number().int().min(1).max(20).default(20),
  cursor: z.string().max(2000).optional(),
});
