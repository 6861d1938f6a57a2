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
    /** The remote's OAuth 2.0 server metadata (RFC 8414), when it serves one. */
    metadata: z
      .object({ issuer: z.string().nullable(), authorizationEndpoint: z.string(), tokenEndpoint: z.string() })
      .nullable()
      .default(null),
  }),
  redirected: z.boolean(),
  /** Where the URL redirects to, when it does. */
  location: z.string().nullable(),
});
export type ProbeResult = z.infer<typeof ProbeResultSchema>;
