import { z } from 'zod';
import { HttpUrlSchema, SecretExpirySchema, SecretFingerprintSchema } from './links';
import type { ScopeDefinition } from './remotes';

/** The cloud side's incoming credentials: what this site issues so that the remote can call it. */

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
  /**
   * When the issued secret stops working (a date is the start of that day, UTC); none when
   * absent. The token endpoint refuses it from then on with `invalid_client`, and the link's
   * forecasts show it (`issued-secret`).
   */
  secretExpiresAt: SecretExpirySchema.optional(),
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
  /** When the issued secret expires (UTC timestamp), if the admin set an expiry when issuing it. */
  secretExpiresAt: z.string().nullable().optional(),
  /** Where the remote gets tokens with these credentials (this app's web trigger). */
  tokenEndpointUrl: z.string().nullable(),
  /** An API that answers only to a valid token: the remote's outgoing link can test against it. */
  pingUrl: z.string().nullable(),
  /** The rest of this site's provider endpoints (web triggers), so the remote's admin copies every one from one place. */
  authorizationEndpointUrl: z.string().nullable().default(null),
  revocationEndpointUrl: z.string().nullable().default(null),
  /** RFC 8414 metadata: every endpoint and what they support, in one JSON document. */
  metadataUrl: z.string().nullable().default(null),
  /** Jira Cloud's REST APIs for the remote, with its access token; the path after it is the Jira path. */
  gatewayUrl: z.string().nullable().default(null),
  /** What the remote did with these credentials; null where it was not read. */
  activity: z.lazy(() => IncomingActivitySchema).nullable().default(null),
});
export type IncomingView = z.infer<typeof IncomingViewSchema>;

/**
 * What the remote has done with this link's incoming credentials, as this site saw it (issue 12
 * item 3): not what anyone ticked, but the last token it obtained and the last gateway call.
 */
export const IncomingActivitySchema = z.object({
  lastToken: z.object({ at: z.string(), grant: z.string(), generation: z.number().int() }).nullable(),
  lastGatewayCall: z
    .object({
      at: z.string(),
      method: z.string(),
      /** The Jira REST path, without the query. */
      path: z.string(),
      scope: CloudIncomingScopeSchema,
      /** The HTTP status the remote got. */
      status: z.number().int(),
      /** `ok`, or the OAuth error the gateway answered (`insufficient_scope`, `invalid_token`...), or `jira_error`. */
      outcome: z.string(),
    })
    .nullable(),
});
export type IncomingActivity = z.infer<typeof IncomingActivitySchema>;

/** This site's client IDs: 16 random bytes in hex. */
export const IncomingClientIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'is not a client ID this site issues');

/** One active incoming client of a link, as the admin page lists it; never its secret. */
export const IncomingClientSummarySchema = z.object({
  clientId: IncomingClientIdSchema,
  scopes: z.array(CloudIncomingScopeSchema),
  /** When its current secret was issued. */
  issuedAt: z.string(),
  /** When it last obtained tokens, if it has since this was recorded. */
  lastUsedAt: z.string().nullable(),
  /** Counts the secrets issued to it: tokens of an earlier generation no longer work. */
  generation: z.number().int().positive(),
});
export type IncomingClientSummary = z.infer<typeof IncomingClientSummarySchema>;
export const IncomingClientListSchema = z.object({ items: z.array(IncomingClientSummarySchema) });
export type IncomingClientList = z.infer<typeof IncomingClientListSchema>;

export const IssuedIncomingCredentialsSchema = z.object({
  incoming: IncomingViewSchema,
  /** Shown this once: only a hash is kept. */
  clientSecret: z.string(),
});
export type IssuedIncomingCredentials = z.infer<typeof IssuedIncomingCredentialsSchema>;
