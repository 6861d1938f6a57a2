import { REMOTE_PRESETS, effectiveProviderSettings, type RemoteKind } from '../../../contract';
import { checkBinding, originOf } from '../links/secret-binding';
import { createOAuthClient, type OAuthClient, type OAuthClientOptions } from '../oauth';
import type { UrlPolicy } from '../outbound/url-policy';
import { CLIENT_SECRET_FIELD, type LinkRecord, type Store } from '../storage/store';
import type { Vault } from '../vault/vault';
import { CredentialError } from './errors';

export interface OAuthClientFactoryDeps {
  store: Store;
  vault: Vault;
  policy: UrlPolicy;
  /** The connector's callback URL (`redirectUriOf(config)`), sent as `redirect_uri`. */
  redirectUri: string;
  now: () => number;
  /** Per-call limit on provider requests. */
  providerTimeoutMs?: number | undefined;
  /** Agents for token requests whose lookup refuses internal addresses (outbound/guarded-agents.ts). */
  agents?: OAuthClientOptions['agents'] | undefined;
}

/**
 * Builds the OAuth 2.0 protocol client of one link: its endpoints, its preset's client
 * authentication and parameters, and its client secret opened from the vault only for this call.
 */
export class OAuthClientFactory {
  /**
   * Clients by link id and version. A per-user link refreshes thousands of users' tokens with one
   * client; building it (secret decrypt, origin binding check, simple-oauth2's option validation)
   * was most of a refresh's CPU. Every change to a link bumps its version, so an edited secret,
   * endpoint or binding is never served from here; the plaintext secret stays in memory as long
   * as the entry, like the access tokens of the token cache. Bounded; oldest entries go first.
   */
  private readonly clients = new Map<string, Promise<OAuthClient>>();
  private static readonly MAX_CLIENTS = 1_000;

  constructor(private readonly deps: OAuthClientFactoryDeps) {}

  /**
   * The OAuth client for a link, with its client secret opened from the vault (built once per link
   * version and call limit). `timeoutMs`: this call's own limit, when stricter than the connector's.
   */
  clientFor(link: LinkRecord, options: { timeoutMs?: number } = {}): Promise<OAuthClient> {
    const key = `${link.id}@${link.version}/${options.timeoutMs ?? ''}`;
    const cached = this.clients.get(key);
    if (cached !== undefined) return cached;
    const built = this.build(link, options);
    if (this.clients.size >= OAuthClientFactory.MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
    this.clients.set(key, built);
    // A failure is not kept: the next call tries again (the secret may have been entered meanwhile).
    built.catch(() => this.clients.delete(key));
    return built;
  }

  private async build(link: LinkRecord, options: { timeoutMs?: number }): Promise<OAuthClient> {
    if (link.authKind === 'none') throw new CredentialError('NOT_CONFIGURED', 'This link has no authentication (outgoing only).');
    const { clientId, tokenEndpoint, authorizationEndpoint } = link.outgoing;
    const sealed = await this.deps.store.secrets.get(link.id, CLIENT_SECRET_FIELD);
    if (clientId === null || sealed === undefined || tokenEndpoint === null) {
      throw new CredentialError('NOT_CONFIGURED', 'Enter the client ID and secret from the remote\'s incoming link first.');
    }
    const clientSecret = await this.deps.vault.open(link.id, CLIENT_SECRET_FIELD, sealed);
    // The secret goes only to the origin it was entered for (links/secret-binding.ts).
    const origin = originOf(tokenEndpoint)!;
    const binding = await checkBinding(this.deps.store, link.id, origin, clientSecret);
    if (!binding.ok) {
      throw new CredentialError(
        'SECRET_ORIGIN_MISMATCH',
        `The client secret was not entered for ${origin} (the token endpoint changed without it): enter the client secret again.`,
      );
    }
    const preset = REMOTE_PRESETS[link.remoteKind as RemoteKind];
    // The link's own client authentication, PKCE and parameters (custom providers) over the preset's.
    const settings = effectiveProviderSettings(link.remoteKind as RemoteKind, link.outgoing);
    // The stricter of the connector's provider limit and this call's own.
    const limits = [this.deps.providerTimeoutMs, options.timeoutMs].filter((ms): ms is number => ms !== undefined);
    const timeoutMs = limits.length === 0 ? undefined : Math.min(...limits);
    const insecureAllowed = [tokenEndpoint, authorizationEndpoint].every((u) => u === null || u.startsWith('https:') || this.deps.policy.isHostAllowed(new URL(u)));
    return createOAuthClient(
      {
        clientId,
        clientSecret,
        authorizationEndpoint: authorizationEndpoint ?? tokenEndpoint,
        tokenEndpoint,
        revocationEndpoint: link.outgoing.revocationEndpoint,
        redirectUri: this.deps.redirectUri,
        scopes: link.outgoing.scopes,
        clientAuth: settings.clientAuth,
        authorizeParams: settings.authorizeParams,
        pkce: settings.pkce,
        defaultAccessTokenSeconds: preset.defaultAccessTokenSeconds,
      },
      {
        now: this.deps.now,
        allowInsecureHttp: insecureAllowed,
        ...(this.deps.agents === undefined ? {} : { agents: this.deps.agents }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      },
    );
  }
}

/** The link, or `LINK_NOT_FOUND`. */
export async function requireLink(store: Store, linkId: string): Promise<LinkRecord> {
  const link = await store.links.get(linkId);
  if (link === undefined) throw new CredentialError('LINK_NOT_FOUND', `No link with id ${linkId}.`);
  return link;
}
