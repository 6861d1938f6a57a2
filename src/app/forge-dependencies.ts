import { asApp, asUser, assumeTrustedRoute, getAppContext, invokeRemote, webTrigger } from '@forge/api';
import { kvs } from '@forge/kvs';
import { jiraAdminCheck } from '../permissions/jira-admin-check';
import { httpConnectorClient } from '../connector-client/connector-client';
import { forgeRemoteInvoker } from '../connector-client/forge-remote-invoker';
import { consoleLogger } from '../logger';
import { forgeKeyValueStore } from '../storage/forge-key-value-store';
import { jiraUserDirectory } from '../users/user-directory';
import { forgeWebTriggerUrls } from '../webtriggers/web-trigger-urls';
import type { AppDependencies } from './app-dependencies';
import { forgeConsentPage } from './forge-consent-page';

/** The app wired to Forge's services. Nothing here runs outside Forge; tests build their own. */
export function forgeDependencies(): AppDependencies {
  const store = forgeKeyValueStore(kvs);
  return {
    store,
    connector: httpConnectorClient(forgeRemoteInvoker(invokeRemote)),
    // asUser() acts as the user who invoked the resolver: Jira answers for them, not for the app.
    adminCheck: jiraAdminCheck((path) => asUser().requestJira(path)),
    webTriggers: forgeWebTriggerUrls(webTrigger),
    // The gateway's calls act as the app: web triggers have no user (Forge documents no asUser there).
    // The path was checked by the gateway's policy (Jira REST roots, no dot or encoded segments).
    jira: (path, init) => asApp().requestJira(assumeTrustedRoute(path), init),
    consentPage: forgeConsentPage({ store, appContext: getAppContext, logger: consoleLogger }),
    now: () => new Date(),
    logger: consoleLogger,
    // As the administrator reading the log: Jira shows them the names they may see.
    users: jiraUserDirectory((path) => asUser().requestJira(path), { now: () => new Date(), logger: consoleLogger }),
  };
}
