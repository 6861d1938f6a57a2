/**
 * The Forge app's handlers, named in manifest.yml (`handler: index.<name>`). Nothing else lives here:
 * the app is wired once, by `buildForgeApp`, from Forge's services.
 */
import { buildForgeApp } from './app/forge-app';
import { forgeDependencies } from './app/forge-dependencies';

const app = buildForgeApp(forgeDependencies());

/** The admin page's resolvers (`jira:adminPage` resolver function). */
export const resolver = app.resolver;

/** Web trigger `oauth-token`: the cloud side's OAuth 2.0 token endpoint. */
export const tokenEndpoint = app.tokenEndpoint;

/** Web trigger `oauth-ping`: answers 200 to a valid access token only. */
export const pingApi = app.pingApi;

/** Web trigger `oauth-authorize`: the authorization endpoint (code grant with PKCE). */
export const authorizeEndpoint = app.authorizeEndpoint;

/** Web trigger `oauth-revoke`: token revocation (RFC 7009). */
export const revocationEndpoint = app.revocationEndpoint;

/** Web trigger `oauth-metadata`: the authorization server metadata (RFC 8414 fields). */
export const metadataEndpoint = app.metadataEndpoint;

/** Web trigger `jira-gateway`: Jira Cloud's REST APIs for the remote, governed by its token's scopes, as the app. */
export const jiraGateway = app.jiraGateway;

/** Trigger `app-upgraded` (`avi:forge:upgraded:app`): the one-time sweep of incoming clients kept before the upgrade. */
export const upgraded = app.upgraded;
