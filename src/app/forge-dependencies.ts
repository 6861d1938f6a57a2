import { asUser, invokeRemote, webTrigger } from '@forge/api';
import { kvs } from '@forge/kvs';
import { jiraAdminCheck } from '../permissions/jira-admin-check';
import { httpConnectorClient } from '../connector-client/connector-client';
import { forgeRemoteInvoker } from '../connector-client/forge-remote-invoker';
import { consoleLogger } from '../logger';
import { forgeKeyValueStore } from '../storage/forge-key-value-store';
import { jiraUserDirectory } from '../users/user-directory';
import { forgeWebTriggerUrls } from '../webtriggers/web-trigger-urls';
import type { AppDependencies } from './app-dependencies';

/** The app wired to Forge's services. Nothing here runs outside Forge; tests build their own. */
export function forgeDependencies(): AppDependencies {
  return {
    store: forgeKeyValueStore(kvs),
    connector: httpConnectorClient(forgeRemoteInvoker(invokeRemote)),
    // asUser() acts as the user who invoked the resolver: Jira answers for them, not for the app.
    adminCheck: jiraAdminCheck((path) => asUser().requestJira(path)),
    webTriggers: forgeWebTriggerUrls(webTrigger),
    now: () => new Date(),
    logger: consoleLogger,
    // As the administrator reading the log: Jira shows them the names they may see.
    users: jiraUserDirectory((path) => asUser().requestJira(path), { now: () => new Date(), logger: consoleLogger }),
  };
}
