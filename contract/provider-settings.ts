import { z } from 'zod';
import { REMOTE_PRESETS, type RemoteKind } from './remotes';

/**
 * How the connector talks to a provider's authorization server beyond its endpoints: where the
 * client secret goes on token requests, whether PKCE is sent, and extra authorization-request
 * parameters. Presets fix these for known kinds; a custom OAuth 2.0 provider (seed 003) needs
 * them set per link, since providers differ (RFC 6749 section 2.3.1 allows either client
 * authentication; some providers refuse a `code_challenge` they do not know, others need
 * `audience` or `prompt`).
 */

/** `body`: `client_id`/`client_secret` form fields (client_secret_post); `basic`: HTTP Basic (client_secret_basic). */
export const ClientAuthSchema = z.enum(['body', 'basic']);
export type ClientAuth = z.infer<typeof ClientAuthSchema>;

/**
 * Parameters the connector itself sets on every authorization request: an extra parameter may
 * not replace them (that would break state checking, PKCE or the exact redirect URI).
 */
export const RESERVED_AUTHORIZE_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'scope'] as const;

/**
 * Parameters that carry secrets: the authorization request goes through the person's browser
 * (history, proxies, the provider's logs), so these never ride on it.
 */
export const SECRET_AUTHORIZE_PARAMS = ['client_secret', 'client_assertion', 'code_verifier', 'password'] as const;

const ParamNameSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'must be a parameter name (letters, digits, _ . -)');
const ParamValueSchema = z.string().max(1000).regex(/^[\x20-\x7E]*$/, 'must be printable ASCII');

/** Extra authorization-request parameters (for example `audience`, `prompt`), at most 20. */
export const AuthorizeParamsSchema = z.record(ParamNameSchema, ParamValueSchema).superRefine((params, ctx) => {
  const names = Object.keys(params);
  if (names.length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 parameters' });
  for (const name of names) {
    if ((RESERVED_AUTHORIZE_PARAMS as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `${name} is set by the connector itself and cannot be replaced` });
    } else if ((SECRET_AUTHORIZE_PARAMS as readonly string[]).includes(name.toLowerCase())) {
      ctx.addIssue({ code: 'custom', path: [name], message: `${name} carries a secret and cannot go on the authorization request, which passes through the browser` });
    }
  }
});
export type AuthorizeParams = z.infer<typeof AuthorizeParamsSchema>;

/** The settings a link may carry, as inputs take them (each optional: absent means the preset's). */
export const ProviderSettingsInputShape = {
  clientAuth: ClientAuthSchema.optional(),
  /** Send PKCE (S256) with the authorization request; on by default (RFC 9700 section 2.1.1). */
  pkce: z.boolean().optional(),
  authorizeParams: AuthorizeParamsSchema.optional(),
};

/** What a link view says of them: the values in effect (the preset's unless the link sets its own). */
export const ProviderSettingsViewShape = {
  clientAuth: ClientAuthSchema.default('body'),
  pkce: z.boolean().default(true),
  /** The parameters sent: the preset's, then the link's own over them. */
  authorizeParams: z.record(z.string(), z.string()).default({}),
};

/** The settings in effect for a link: its own where it set them, else its preset's. */
export function effectiveProviderSettings(
  kind: RemoteKind,
  own: { clientAuth?: ClientAuth | null | undefined; pkce?: boolean | null | undefined; authorizeParams?: Readonly<Record<string, string>> | null | undefined },
): { clientAuth: ClientAuth; pkce: boolean; authorizeParams: Record<string, string> } {
  const preset = REMOTE_PRESETS[kind];
  return {
    clientAuth: own.clientAuth ?? preset.clientAuth,
    pkce: own.pkce ?? true,
    authorizeParams: { ...preset.authorizeParams, ...(own.authorizeParams ?? {}) },
  };
}

/**
 * The outgoing half's provider configuration as the admin page shows and edits it on the link's
 * page: endpoints, tenant, secret expiry and the settings above, in effect. This site keeps a copy
 * mirrored from the connector, which owns it.
 */
export const OutgoingProviderViewSchema = z.object({
  authorizationEndpoint: z.string().nullable(),
  tokenEndpoint: z.string().nullable(),
  revocationEndpoint: z.string().nullable(),
  apiProbeUrl: z.string().nullable(),
  tenant: z.string().nullable(),
  secretExpiresAt: z.string().nullable(),
  ...ProviderSettingsViewShape,
});
export type OutgoingProviderView = z.infer<typeof OutgoingProviderViewSchema>;

/** The provider part of a connector's outgoing view. */
export function providerViewOf(outgoing: OutgoingProviderView): OutgoingProviderView {
  const { authorizationEndpoint, tokenEndpoint, revocationEndpoint, apiProbeUrl, tenant, secretExpiresAt, clientAuth, pkce, authorizeParams } = outgoing;
  return { authorizationEndpoint, tokenEndpoint, revocationEndpoint, apiProbeUrl, tenant, secretExpiresAt, clientAuth, pkce, authorizeParams };
}
