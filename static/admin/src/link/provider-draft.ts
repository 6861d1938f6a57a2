import type { ClientAuth, OAuthServerMetadata, OutgoingInput, OutgoingProviderView } from '../../../../contract';

/**
 * A custom provider's settings as a form holds them (text, before parsing): endpoints, client
 * authentication, PKCE and extra authorization parameters as rows. The wizard and the link's page
 * share it, so both ask the same things the same way.
 */
export interface ProviderDraft {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  apiProbeUrl: string;
  clientAuth: ClientAuth;
  pkce: boolean;
  params: { name: string; value: string }[];
}

export const EMPTY_PROVIDER_DRAFT: ProviderDraft = {
  authorizationEndpoint: '',
  tokenEndpoint: '',
  revocationEndpoint: '',
  apiProbeUrl: '',
  clientAuth: 'body',
  pkce: true,
  params: [],
};

/** The form's values from what the link holds. */
export function draftFromView(view: OutgoingProviderView | null): ProviderDraft {
  if (view === null) return EMPTY_PROVIDER_DRAFT;
  return {
    authorizationEndpoint: view.authorizationEndpoint ?? '',
    tokenEndpoint: view.tokenEndpoint ?? '',
    revocationEndpoint: view.revocationEndpoint ?? '',
    apiProbeUrl: view.apiProbeUrl ?? '',
    clientAuth: view.clientAuth,
    pkce: view.pkce,
    params: Object.entries(view.authorizeParams).map(([name, value]) => ({ name, value })),
  };
}

/**
 * What the provider's published metadata fills in (RFC 8414 / OpenID discovery): the endpoints,
 * HTTP Basic when it accepts only that, PKCE when it lists S256 (off only when it lists methods
 * without S256). Fields the admin already typed are kept.
 */
export function draftFromMetadata(current: ProviderDraft, metadata: OAuthServerMetadata): ProviderDraft {
  const methods = metadata.tokenEndpointAuthMethods;
  const basicOnly = methods.includes('client_secret_basic') && !methods.includes('client_secret_post');
  return {
    ...current,
    authorizationEndpoint: current.authorizationEndpoint || metadata.authorizationEndpoint,
    tokenEndpoint: current.tokenEndpoint || metadata.tokenEndpoint,
    revocationEndpoint: current.revocationEndpoint || (metadata.revocationEndpoint ?? ''),
    apiProbeUrl: current.apiProbeUrl || (metadata.userinfoEndpoint ?? ''),
    clientAuth: basicOnly ? 'basic' : current.clientAuth,
    pkce: metadata.codeChallengeMethods.length === 0 ? current.pkce : metadata.codeChallengeMethods.includes('S256'),
  };
}

/** The outgoing input for creating a link: empty optional endpoints left out. */
export function inputFromDraft(draft: ProviderDraft): Pick<OutgoingInput, 'authorizationEndpoint' | 'tokenEndpoint' | 'revocationEndpoint' | 'apiProbeUrl' | 'clientAuth' | 'pkce' | 'authorizeParams'> {
  const trimmed = (value: string) => (value.trim() === '' ? undefined : value.trim());
  const params = Object.fromEntries(draft.params.filter((p) => p.name.trim() !== '').map((p) => [p.name.trim(), p.value]));
  return {
    authorizationEndpoint: trimmed(draft.authorizationEndpoint),
    tokenEndpoint: trimmed(draft.tokenEndpoint),
    revocationEndpoint: trimmed(draft.revocationEndpoint),
    apiProbeUrl: trimmed(draft.apiProbeUrl),
    clientAuth: draft.clientAuth,
    pkce: draft.pkce,
    authorizeParams: params,
  };
}

/** The same as a patch of an existing link: an emptied optional endpoint is removed (`null`). */
export function patchFromDraft(draft: ProviderDraft) {
  const input = inputFromDraft(draft);
  return { ...input, revocationEndpoint: input.revocationEndpoint ?? null, apiProbeUrl: input.apiProbeUrl ?? null };
}

/** Asked for explicitly ("Fill from the provider's metadata"): the published endpoints replace the typed ones. */
export function replaceFromMetadata(current: ProviderDraft, metadata: OAuthServerMetadata): ProviderDraft {
  return draftFromMetadata({ ...current, authorizationEndpoint: '', tokenEndpoint: '', revocationEndpoint: '', apiProbeUrl: '' }, metadata);
}
