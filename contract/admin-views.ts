import { z } from 'zod';
import { TestConnectionResultSchema } from './diagnostics';
import { ExchangeStepIdSchema, ExchangeStepViewSchema } from './exchange';
import { ResolverErrorSchema } from './forge-errors';
import { ForecastSchema, LinkHealthSummarySchema } from './health';
import { IncomingViewSchema } from './incoming';
import { AuthKindSchema, CredentialSummarySchema, LinkStatusSchema, SecretFingerprintSchema } from './links';
import { OutgoingProviderViewSchema } from './provider-settings';
import { RemoteKindSchema } from './remotes';
import { LinkRevocationReportSchema } from './revocation';

/** What the resolvers answer the admin page: the link as this site sees it, pages of links, the connector's state. */

export const ForgeOutgoingViewSchema = z.object({
  clientId: z.string().nullable(),
  hasClientSecret: z.boolean(),
  clientSecretFingerprint: SecretFingerprintSchema.nullable(),
  scopes: z.array(z.string()),
  grantType: z.enum(['authorization_code', 'client_credentials']),
  /** The connector's callback, to register in the remote as the redirect URI. */
  redirectUri: z.string().nullable(),
  /** Endpoints, tenant, secret expiry, client authentication, PKCE, parameters; null until this site has mirrored them. */
  provider: OutgoingProviderViewSchema.nullable().default(null),
  /** Bitbucket Cloud's workspace ID; null for other kinds. */
  workspace: z.string().nullable().optional(),
  /** When the client secret or service-account credential expires, as entered with it; null when unknown. */
  secretExpiresAt: z.string().nullable().optional(),
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
  /**
   * What this site knows will expire, soonest first: the issued incoming secret when the admin set
   * an expiry on it. The connector's forecasts (certificate, client secret, refresh token) come
   * with its health view.
   */
  forecasts: z.array(ForecastSchema).optional(),
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
  /** The health badge from the connector's scheduled checks (never stored): absent when it did not answer. */
  health: LinkHealthSummarySchema.optional(),
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

export const DeleteLinkResultSchema = z.object({
  deleted: z.literal(true),
  connector: z.enum(['deleted', 'already-gone', 'not-deleted']),
  /** The remote application's half cannot be removed from here: what the remote's admin must check. */
  remote: z.object({ removed: z.literal(false), whatToCheck: z.array(z.string()) }),
  /** What stopped working at once, item by item (issue 14.8). */
  revocation: z.object({
    /** The connector's tokens at the remote's revocation endpoint; null when the connector did not report (not reached, older release). */
    connectorTokens: LinkRevocationReportSchema.nullable(),
    /** This site's incoming client IDs deleted with the link: every token they issued is refused from now on. */
    incomingClients: z.array(z.string()),
  }),
});
export type DeleteLinkResult = z.infer<typeof DeleteLinkResultSchema>;

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
