import type { webTrigger } from '@forge/api';

/** The web trigger module keys in manifest.yml. */
export const WEB_TRIGGER_KEYS = { tokenEndpoint: 'oauth-token', ping: 'oauth-ping' } as const;

/** Where this installation's web triggers answer; the remote's admin pastes these into their outgoing link. */
export interface WebTriggerUrls {
  tokenEndpoint(): Promise<string>;
  ping(): Promise<string>;
}

/** Forge gives each installation its own URL per web trigger; `getUrl` returns the existing one. */
export function forgeWebTriggerUrls(api: Pick<typeof webTrigger, 'getUrl'>): WebTriggerUrls {
  return {
    tokenEndpoint: () => api.getUrl(WEB_TRIGGER_KEYS.tokenEndpoint),
    ping: () => api.getUrl(WEB_TRIGGER_KEYS.ping),
  };
}
