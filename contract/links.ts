import { z } from 'zod';
import { REMOTE_PRESETS, RemoteKindSchema, type RemoteKind } from './remotes';
import { ProviderSettingsInputShape, ProviderSettingsViewShape } from './provider-settings';
import { BitbucketWorkspaceSchema } from './bitbucket-cloud';
import { SERVICE_ACCOUNTS, serviceAccountScopeViolations } from './service-accounts';
import { CheckIntervalSchema, CHECK_INTERVAL_MINUTES, LinkHealthSummarySchema } from './health';
import { storableText } from './text';

/**
 * The link as the connector keeps it: the outgoing half of an application link (this side calls
 * the remote). Secrets are write-only: inputs may carry `clientSecret`, views never do; they say
 * `hasClientSecret` and a fingerprint instead.
 */

export const AUTH_KINDS = ['oauth2', 'oauth2-impersonation', 'none'] as const;
export const AuthKindSchema = z.enum(AUTH_KINDS);
export type AuthKind = z.infer<typeof AuthKindSchema>;

export const LINK_STATUSES = [
  'needs-configuration',
  'needs-authorization',
  'connected',
  'needs-reauthorization',
  'failing',
  'outgoing-only',
] as const;
export const LinkStatusSchema = z.enum(LINK_STATUSES);
export type LinkStatus = z.infer<typeof LinkStatusSchema>;

const MAX_URL = 2048;

/** A link's id, as routes take it in their path. */
export const LinkIdSchema = z.string().uuid('must be a link id (a UUID)');
export const LinkParamsSchema = z.strictObject({ id: LinkIdSchema });

/** An absolute http(s) URL without credentials or fragment. Whether http is allowed is policy, decided by the caller. */
export const HttpUrlSchema = storableText(z.string())
  .max(MAX_URL)
  .url()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.hash === '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without user info or fragment');

export const ScopeNameSchema = z.string().min(1).max(200).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token (RFC 6749 section 3.3)');

const ClientIdSchema = z.string().min(1).max(512).regex(/^[\x20-\x7E]+$/, 'must be printable ASCII');
/**
 * Secrets are opaque, but RFC 6749 appendix A.2 defines them as visible ASCII (VSCHAR,
 * %x20-7E), and the token client cannot send anything else: refused here with a 400 that says
 * so, rather than accepted and failing at authorize. The message never repeats the value. (This
 * also keeps out NUL and lone surrogates, which PostgreSQL cannot store: see storableText.)
 */
const ClientSecretSchema = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[\x20-\x7E]+$/, 'must be printable ASCII (RFC 6749 appendix A.2): letters, digits, spaces and punctuation, no accents, other scripts or control characters');
const TenantSchema = z.string().min(1).max(200).regex(/^[A-Za-z0-9.-]+$/, 'must be a tenant ID or domain');
/**
 * When the outgoing credential stops working on the remote's side, as its admin entered it with
 * the secret: Microsoft Entra client secrets (at most two years), Data Center service-account
 * credentials. A calendar date (YYYY-MM-DD, the end of that day UTC) or a full timestamp.
 */
export const SecretExpirySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z)?$/, 'must be a date (YYYY-MM-DD) or a UTC timestamp')
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be a real date');

export const OutgoingInputSchema = z.strictObject({
  clientId: ClientIdSchema.optional(),
  clientSecret: ClientSecretSchema.optional(),
  scopes: z.array(ScopeNameSchema).max(50).optional(),
  authorizationEndpoint: HttpUrlSchema.optional(),
  tokenEndpoint: HttpUrlSchema.optional(),
  revocationEndpoint: HttpUrlSchema.optional(),
  /** A cheap authenticated URL for test connection (custom providers). */
  apiProbeUrl: HttpUrlSchema.optional(),
  tenant: TenantSchema.optional(),
  grantType: z.enum(['authorization_code', 'client_credentials']).optional(),
  /** When the client secret (or service-account credential) expires, if the remote says. */
  secretExpiresAt: SecretExpirySchema.optional(),
  /** Client authentication, PKCE and extra authorization parameters (custom providers): see provider-settings.ts. */
  ...ProviderSettingsInputShape,
  /** Bitbucket Cloud: the workspace the consumer belongs to (test connection checks access to it). */
  workspace: BitbucketWorkspaceSchema.optional(),
});
export type OutgoingInput = z.infer<typeof OutgoingInputSchema>;

export const OutgoingPatchSchema = OutgoingInputSchema.extend({
  clientId: ClientIdSchema.nullable().optional(),
  /** `null` removes the stored secret. */
  clientSecret: ClientSecretSchema.nullable().optional(),
  revocationEndpoint: HttpUrlSchema.nullable().optional(),
  apiProbeUrl: HttpUrlSchema.nullable().optional(),
  tenant: TenantSchema.nullable().optional(),
  secretExpiresAt: SecretExpirySchema.nullable().optional(),
  /** `null` goes back to the preset's setting. */
  clientAuth: ProviderSettingsInputShape.clientAuth.unwrap().nullable().optional(),
  pkce: ProviderSettingsInputShape.pkce.unwrap().nullable().optional(),
  authorizeParams: ProviderSettingsInputShape.authorizeParams.unwrap().nullable().optional(),
  workspace: BitbucketWorkspaceSchema.nullable().optional(),
});
export type OutgoingPatch = z.infer<typeof OutgoingPatchSchema>;

const NameSchema = storableText(z.string().trim().min(1).max(200));

export const CreateLinkInputSchema = z.strictObject({
  name: NameSchema,
  remoteKind: RemoteKindSchema,
  applicationUrl: HttpUrlSchema,
  displayUrl: HttpUrlSchema.optional(),
  authKind: AuthKindSchema.default('oauth2'),
  outgoing: OutgoingInputSchema.optional(),
  /** Minutes between scheduled checks (5 to 1440), or null for none. Default 15. */
  checkIntervalMinutes: CheckIntervalSchema.optional(),
});
export type CreateLinkInput = z.infer<typeof CreateLinkInputSchema>;

export const UpdateLinkInputSchema = z.strictObject({
  name: NameSchema.optional(),
  applicationUrl: HttpUrlSchema.optional(),
  displayUrl: HttpUrlSchema.nullable().optional(),
  authKind: AuthKindSchema.optional(),
  outgoing: OutgoingPatchSchema.optional(),
  checkIntervalMinutes: CheckIntervalSchema.optional(),
});
export type UpdateLinkInput = z.infer<typeof UpdateLinkInputSchema>;

export const SecretFingerprintSchema = z.object({
  /** The last 4 characters, only for secrets long enough that this gives nothing away. */
  last4: z.string().nullable(),
  setAt: z.string(),
});
export type SecretFingerprint = z.infer<typeof SecretFingerprintSchema>;

export const OutgoingViewSchema = z.object({
  clientId: z.string().nullable(),
  hasClientSecret: z.boolean(),
  clientSecretFingerprint: SecretFingerprintSchema.nullable(),
  scopes: z.array(z.string()),
  authorizationEndpoint: z.string().nullable(),
  tokenEndpoint: z.string().nullable(),
  revocationEndpoint: z.string().nullable(),
  apiProbeUrl: z.string().nullable(),
  tenant: z.string().nullable(),
  grantType: z.enum(['authorization_code', 'client_credentials']),
  /** When the client secret expires, as entered with it (see SecretExpirySchema); null when unknown. */
  secretExpiresAt: z.string().nullable(),
  /** In effect for the link (defaults for answers of connectors older than these fields). */
  ...ProviderSettingsViewShape,
  /** Bitbucket Cloud's workspace ID; null elsewhere. Optional: connectors before it send none. */
  workspace: z.string().nullable().optional(),
  /** The URI to register in the remote: the connector's callback. */
  redirectUri: z.string(),
});
export type OutgoingView = z.infer<typeof OutgoingViewSchema>;

/**
 * What the connector holds of a link's tokens, never a token: whether the link can call the remote
 * now, until when, and whether a person must act.
 */
export const CredentialSummarySchema = z.object({
  /**
   * The link's own credential (the configured account, or the client-credentials grant):
   * `none` never authorized; `valid` holds an unexpired access token; `expired` the access token
   * ran out and no refresh has succeeded yet (the connector keeps retrying with back-off);
   * `needs-reauthorization` the remote refused the refresh token: someone must authorize again.
   */
  state: z.enum(['none', 'valid', 'expired', 'needs-reauthorization']),
  expiresAt: z.string().nullable(),
  /** When the connector renews it, ahead of expiry; null without a token. */
  refreshAt: z.string().nullable(),
  hasRefreshToken: z.boolean(),
  /** Consecutive failed renewals and the last one's error code. */
  failedRefreshes: z.number().int().nonnegative(),
  lastErrorCode: z.string().nullable(),
  /** Links that impersonate users keep a credential per user. */
  users: z.object({
    authorized: z.number().int().nonnegative(),
    needReauthorization: z.number().int().nonnegative(),
    /** The soonest expiry among the users' valid tokens. */
    soonestExpiry: z.string().nullable(),
  }),
});
export type CredentialSummary = z.infer<typeof CredentialSummarySchema>;

export const CredentialSummariesInputSchema = z.strictObject({ ids: z.array(LinkIdSchema).min(1).max(500) });
export const CredentialSummariesSchema = z.object({
  /** One entry per requested link the connector holds; unknown ids are left out. `health`: the scheduled checks' badge, when asked for with INCLUDE_HEALTH_HEADER. */
  items: z.array(z.object({ id: z.string(), credential: CredentialSummarySchema, health: LinkHealthSummarySchema.optional() })),
});
export type CredentialSummaries = z.infer<typeof CredentialSummariesSchema>;

export const LinkViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  remoteKind: RemoteKindSchema,
  applicationUrl: z.string(),
  displayUrl: z.string().nullable(),
  authKind: AuthKindSchema,
  status: LinkStatusSchema,
  statusReason: z.string().nullable(),
  outgoing: OutgoingViewSchema,
  credential: CredentialSummarySchema,
  /** Minutes between scheduled checks, or null when they are off (older connectors: the default). */
  checkIntervalMinutes: CheckIntervalSchema.default(CHECK_INTERVAL_MINUTES.default),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});
export type LinkView = z.infer<typeof LinkViewSchema>;

export const LinkListSchema = z.object({
  items: z.array(LinkViewSchema),
  nextCursor: z.string().nullable(),
});
export type LinkList = z.infer<typeof LinkListSchema>;

export const ListLinksQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});

/** Where the kind's rules say a link's configuration is incomplete or inconsistent. */
export function linkRuleViolations(link: {
  remoteKind: RemoteKind;
  authKind: AuthKind;
  scopes: readonly string[];
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  grantType: 'authorization_code' | 'client_credentials';
}): { path: string; message: string }[] {
  const preset = REMOTE_PRESETS[link.remoteKind];
  const problems: { path: string; message: string }[] = [];
  if (link.authKind === 'oauth2-impersonation' && !preset.supportsImpersonation) {
    problems.push({
      path: 'authKind',
      message: `${preset.label} cannot impersonate users: impersonation needs two Atlassian apps that share a user base`,
    });
  }
  if (!preset.freeFormScopes) {
    const known = new Set(preset.scopes.map((s) => s.name));
    link.scopes.forEach((scope, i) => {
      if (!known.has(scope)) {
        problems.push({
          path: `outgoing.scopes.${i}`,
          message: `${preset.label} has no scope "${scope}"; it offers ${preset.scopes.map((s) => s.name).join(', ')}`,
        });
      }
    });
  }
  // Data Center offers client credentials through service accounts (service-accounts.ts).
  const serviceAccount = link.grantType === 'client_credentials' && SERVICE_ACCOUNTS[link.remoteKind] !== undefined;
  if (!preset.grantTypes.includes(link.grantType) && !serviceAccount) {
    problems.push({ path: 'outgoing.grantType', message: `${preset.label} does not offer the ${link.grantType} grant` });
  }
  if (serviceAccount) problems.push(...serviceAccountScopeViolations(link.remoteKind, link.scopes));
  if (link.grantType === 'client_credentials' && link.authKind === 'oauth2-impersonation') {
    problems.push({ path: 'outgoing.grantType', message: 'client_credentials acts as one account and cannot impersonate users' });
  }
  if (link.authKind !== 'none') {
    if (link.authorizationEndpoint === null && link.grantType === 'authorization_code') {
      problems.push({ path: 'outgoing.authorizationEndpoint', message: 'is required for this provider' });
    }
    if (link.tokenEndpoint === null) problems.push({ path: 'outgoing.tokenEndpoint', message: 'is required for this provider' });
  }
  return problems;
}
