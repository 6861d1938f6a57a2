import type { Logger } from 'pino';
import { ConfigError, type ConnectorConfig } from './config';
import type { Authenticator } from './http/auth';
import type { AnyRouteSpec } from './http/route';
import { UrlPolicy } from './outbound/url-policy';
import type { Store } from './storage/store';
import { forgeAuthenticator } from './http/forge-authenticator';
import { createInvocationTokenVerifier, type InvocationTokenVerifier } from './forge/invocation-token';
import { RemoteJwks } from './forge/jwks';
import { PairingService } from './forge/pairing';
import { forgeRoutes, UNPAIRED_ROUTES } from './forge/routes';

export { PairingError, PairingService } from './forge/pairing';

export interface ForgeChannel {
  authenticator: Authenticator;
  routes: AnyRouteSpec[];
  pairing: PairingService;
  verifier: InvocationTokenVerifier;
}

export interface ForgeChannelDeps {
  config: ConnectorConfig;
  store: Store;
  logger: Logger;
  now?: () => Date;
  fetch?: typeof fetch;
}

/**
 * The connector's side of the Forge channel: the FIT authenticator and the pairing routes. None
 * when FORGE_APP_ID is unset, so that nothing answers Forge tokens on a connector not set up for it.
 */
export function createForgeChannel(deps: ForgeChannelDeps): ForgeChannel | undefined {
  const appId = deps.config.forgeAppId;
  if (appId === undefined) return undefined;
  const now = deps.now ?? (() => new Date());
  // Keys fetched over plain http could be swapped on the way, and then anyone could sign tokens.
  const verdict = new UrlPolicy(deps.config.allowedHosts).check(deps.config.forgeJwksUrl);
  if (!verdict.ok) throw new ConfigError([{ variable: 'FORGE_JWKS_URL', message: verdict.reason }]);
  const jwks = new RemoteJwks({
    url: verdict.url,
    now,
    fetch: deps.fetch,
    onWarning: (message, detail) => deps.logger.warn(detail, message),
  });
  const verifier = createInvocationTokenVerifier({ appId, keys: jwks.getKey, now });
  const pairing = new PairingService({ settings: deps.store.settings, now });
  return {
    authenticator: forgeAuthenticator({ verifier, pairing, unpairedRoutes: UNPAIRED_ROUTES }),
    routes: forgeRoutes({ pairing }),
    pairing,
    verifier,
  };
}
