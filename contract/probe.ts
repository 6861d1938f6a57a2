import { z } from 'zod';
import { DiagnosticCodeSchema } from './diagnostics';
import { RemoteKindSchema } from './remotes';

/** `POST /v1/probe`: what is at this URL, before a link is created (or when it moves). */
export const ProbeInputSchema = z.strictObject({
  url: z.string().min(1).max(2048),
  /** The kind the admin picked, when known: external providers serve no manifest and are not fetched. */
  kind: RemoteKindSchema.optional(),
});
export type ProbeInput = z.infer<typeof ProbeInputSchema>;

/** What the applinks manifest says (`GET {base}/rest/applinks/1.0/manifest`). */
export const RemoteManifestSchema = z.object({
  id: z.string().nullable(),
  name: z.string().nullable(),
  typeId: z.string(),
  version: z.string().nullable(),
  buildNumber: z.string().nullable(),
  applinksVersion: z.string().nullable(),
  /** The remote's own idea of its base URL (the display URL). */
  url: z.string(),
  publicSignup: z.boolean().nullable(),
});
export type RemoteManifest = z.infer<typeof RemoteManifestSchema>;

/**
 * What a provider publishes about its authorization server, as the probe read it: RFC 8414
 * `/.well-known/oauth-authorization-server`, else OpenID Connect Discovery
 * `/.well-known/openid-configuration`. Fields added after the first three default, so answers of
 * older connectors still parse.
 */
export const OAuthServerMetadataSchema = z.object({
  issuer: z.string().nullable(),
  authorizationEndpoint: z.string(),
  tokenEndpoint: z.string(),
  revocationEndpoint: z.string().nullable().default(null),
  /** OpenID's userinfo endpoint: a cheap authenticated call, usable as the API probe URL. */
  userinfoEndpoint: z.string().nullable().default(null),
  scopesSupported: z.array(z.string()).default([]),
  /** `client_secret_basic`, `client_secret_post`, ... (RFC 8414 section 2). */
  tokenEndpointAuthMethods: z.array(z.string()).default([]),
  /** `S256`, `plain` (RFC 8414 section 2): empty when the server does not say. */
  codeChallengeMethods: z.array(z.string()).default([]),
  /** Which document it came from. */
  source: z.enum(['oauth-authorization-server', 'openid-configuration']).default('oauth-authorization-server'),
});
export type OAuthServerMetadata = z.infer<typeof OAuthServerMetadataSchema>;

export const ProbeResultSchema = z.object({
  /** The base URL probed (trailing slash removed). */
  url: z.string(),
  /** `OK`, or why this is not a usable Atlassian application (NOT_ATLASSIAN, URL_REDIRECTED, DNS_FAILED, ...). */
  code: DiagnosticCodeSchema,
  message: z.string(),
  hint: z.string(),
  atlassian: z.boolean(),
  /** The remote kind the manifest's `typeId` stands for (`stash` is bitbucket), or null. */
  kind: RemoteKindSchema.nullable(),
  typeId: z.string().nullable(),
  name: z.string().nullable(),
  version: z.string().nullable(),
  buildNumber: z.string().nullable(),
  displayUrl: z.string().nullable(),
  /** True when the display URL is not the URL given: the admin must confirm which one users reach. */
  displayUrlDiffers: z.boolean(),
  oauth2: z.object({
    /** Null when unknown (not an Atlassian application, or no version in the manifest). */
    supported: z.boolean().nullable(),
    minimumVersion: z.string().nullable(),
    /** The remote's OAuth 2.0 server metadata (RFC 8414 or OpenID Connect Discovery), when it serves one. */
    metadata: OAuthServerMetadataSchema.nullable().default(null),
  }),
  redirected: z.boolean(),
  /** Where the URL redirects to, when it does. */
  location: z.string().nullable(),
});
export type ProbeResult = z.infer<typeof ProbeResultSchema>;
