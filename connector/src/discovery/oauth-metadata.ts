import { z } from 'zod';
import type { OAuthServerMetadata } from '../../../contract';
import type { SafeHttp } from '../outbound/safe-http';

/** The probe's limits (probe.ts `ProbeTimeouts`). */
type ProbeTimeouts = { connectTimeoutMs: number; timeoutMs: number };

/** Each metadata document may take this long at most: their absence is normal and must not slow the probe. */
const METADATA_TIMEOUT_MS = 3_000;
const METADATA_MAX_BYTES = 64 * 1024;

/**
 * Where a provider at `base` may publish its metadata, in the order tried:
 * - RFC 8414 section 3 as Data Center and most servers without a path use it: `{base}/.well-known/oauth-authorization-server`;
 * - RFC 8414 section 3.1 for an issuer with a path: the well-known segment goes between host and path;
 * - OpenID Connect Discovery 1.0 section 4: `{issuer}/.well-known/openid-configuration`.
 */
export function metadataUrls(base: string): { url: string; source: OAuthServerMetadata['source'] }[] {
  const parsed = new URL(base);
  const path = parsed.pathname.replace(/\/+$/, '');
  const urls: { url: string; source: OAuthServerMetadata['source'] }[] = [{ url: `${parsed.origin}${path}/.well-known/oauth-authorization-server`, source: 'oauth-authorization-server' }];
  if (path !== '') urls.push({ url: `${parsed.origin}/.well-known/oauth-authorization-server${path}`, source: 'oauth-authorization-server' });
  urls.push({ url: `${parsed.origin}${path}/.well-known/openid-configuration`, source: 'openid-configuration' });
  return urls;
}

const HttpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:$/.test(new URL(value).protocol), 'must be http(s)');
const Strings = z.array(z.string().max(200)).max(200).catch([]);

/** The fields used, each checked (RFC 8414 section 2); a document without both endpoints is unusable. */
const MetadataDocumentSchema = z.object({
  issuer: z.string().url().optional(),
  authorization_endpoint: HttpUrl,
  token_endpoint: HttpUrl,
  revocation_endpoint: HttpUrl.optional().catch(undefined),
  userinfo_endpoint: HttpUrl.optional().catch(undefined),
  scopes_supported: Strings.optional(),
  token_endpoint_auth_methods_supported: Strings.optional(),
  code_challenge_methods_supported: Strings.optional(),
});

/**
 * The provider's OAuth 2.0 server metadata, or null when it publishes none that is usable. Every
 * request goes through the outbound policy (`SafeHttp`), like the rest of the probe. Best effort:
 * Data Center serves none today, and a provider without metadata is normal, never an error.
 */
export async function fetchOAuthMetadata(http: SafeHttp, base: string, timeouts: ProbeTimeouts): Promise<OAuthServerMetadata | null> {
  for (const { url, source } of metadataUrls(base)) {
    const found = await fetchDocument(http, url, timeouts);
    if (found === null) continue;
    return {
      issuer: found.issuer ?? null,
      authorizationEndpoint: found.authorization_endpoint,
      tokenEndpoint: found.token_endpoint,
      revocationEndpoint: found.revocation_endpoint ?? null,
      userinfoEndpoint: found.userinfo_endpoint ?? null,
      scopesSupported: found.scopes_supported ?? [],
      tokenEndpointAuthMethods: found.token_endpoint_auth_methods_supported ?? [],
      codeChallengeMethods: found.code_challenge_methods_supported ?? [],
      source,
    };
  }
  return null;
}

async function fetchDocument(http: SafeHttp, url: string, timeouts: ProbeTimeouts): Promise<z.infer<typeof MetadataDocumentSchema> | null> {
  try {
    const response = await http.request(url, {
      headers: { accept: 'application/json' },
      connectTimeoutMs: timeouts.connectTimeoutMs,
      timeoutMs: Math.min(timeouts.timeoutMs, METADATA_TIMEOUT_MS),
      maxBytes: METADATA_MAX_BYTES,
    });
    if (response.status !== 200) return null;
    const parsed = MetadataDocumentSchema.safeParse(JSON.parse(response.body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
