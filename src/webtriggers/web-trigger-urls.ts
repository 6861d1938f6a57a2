import type { webTrigger } from '@forge/api';

/** The web trigger module keys in manifest.yml. */
export const WEB_TRIGGER_KEYS = {
  tokenEndpoint: 'oauth-token',
  ping: 'oauth-ping',
  authorize: 'oauth-authorize',
  revoke: 'oauth-revoke',
  metadata: 'oauth-metadata',
  gateway: 'jira-gateway',
} as const;

/** Where this installation's web triggers answer; the remote's admin pastes these into their outgoing link. */
export interface WebTriggerUrls {
  tokenEndpoint(): Promise<string>;
  ping(): Promise<string>;
  /** The authorization endpoint (RFC 6749 section 3.1), revocation (RFC 7009), metadata (RFC 8414) and the Jira REST gateway. */
  authorize(): Promise<string>;
  revoke(): Promise<string>;
  metadata(): Promise<string>;
  gateway(): Promise<string>;
}

/** Forge gives each installation its own URL per web trigger; `getUrl` returns the existing one. */
export function forgeWebTriggerUrls(api: Pick<typeof webTrigger, 'getUrl'>): WebTriggerUrls {
  return {
    tokenEndpoint: () => api.getUrl(WEB_TRIGGER_KEYS.tokenEndpoint),
    ping: () => api.getUrl(WEB_TRIGGER_KEYS.ping),
    authorize: () => api.getUrl(WEB_TRIGGER_KEYS.authorize),
    revoke: () => api.getUrl(WEB_TRIGGER_KEYS.revoke),
    metadata: () => api.getUrl(WEB_TRIGGER_KEYS.metadata),
    gateway: () => api.getUrl(WEB_TRIGGER_KEYS.gateway),
  };
}

/** The same URLs for a host that serves every trigger under one base, as `<base>/<key>` (the local preview, tests). */
export function baseWebTriggerUrls(base: string): WebTriggerUrls {
  const at = (key: string) => async () => `${base}/${key}`;
  return {
    tokenEndpoint: at(WEB_TRIGGER_KEYS.tokenEndpoint),
    ping: at(WEB_TRIGGER_KEYS.ping),
    authorize: at(WEB_TRIGGER_KEYS.authorize),
    revoke: at(WEB_TRIGGER_KEYS.revoke),
    metadata: at(WEB_TRIGGER_KEYS.metadata),
    gateway: at(WEB_TRIGGER_KEYS.gateway),
  };
}
