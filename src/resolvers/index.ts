import Resolver from '@forge/resolver';
import { CONSENT_RESOLVER_KEYS, RESOLVER_KEYS, RESOLVERS, USER_RESOLVER_KEYS, USER_RESOLVERS, isConsentResolverKey, isResolverKey, isUserResolverKey, type ResolverKey, type ResolverResult } from '../../contract';
import { AppError } from '../errors';
import type { AppDependencies, AppServices } from '../app/app-dependencies';
import { adminResolver, define, type ResolverDefinition } from './admin-resolver';
import { consentResolvers } from './consent-resolvers';
import { failure } from './envelope';
import { userResolver } from './user-resolver';

/** Every resolver the admin page calls, by key (the keys are in the contract, for the page's bridge module). */
/** Each key's handler takes its contract payload and answers its contract result: the page parses the answer with the same schema. */
export type ResolverDefinitions = { [K in ResolverKey]: ResolverDefinition<(typeof RESOLVERS)[K]['payload'], ResolverResult<K>> };

export function resolverDefinitions(deps: Pick<AppDependencies, 'connector'>, services: AppServices): ResolverDefinitions {
  const { links, incoming, connectorStatus, auditReader, health, connections } = services;
  return {
    listLinks: define(RESOLVERS.listLinks.payload, (input) => links.list(input)),
    getLink: define(RESOLVERS.getLink.payload, async (input) => {
      // Opening a link brings the connector's status transitions into the audit log (once each).
      await health.syncTransitions();
      return links.get(input.id);
    }),
    createLink: define(RESOLVERS.createLink.payload, (input, { actor }) => links.create(input, actor)),
    updateLink: define(RESOLVERS.updateLink.payload, (input, { actor }) => links.update(input, actor)),
    deleteLink: define(RESOLVERS.deleteLink.payload, (input, { actor }) => links.delete(input, actor)),
    relocateLink: define(RESOLVERS.relocateLink.payload, (input, { actor }) => links.relocate(input, actor)),
    testConnection: define(RESOLVERS.testConnection.payload, (input, { actor }) => links.test(input.id, actor)),
    authorizeLink: define(RESOLVERS.authorizeLink.payload, (input, { actor }) => links.authorize(input.id, actor)),
    // Nothing is stored: the connector fetches the remote's manifest and answers what it found.
    probeRemote: define(RESOLVERS.probeRemote.payload, (input) => deps.connector.probe(input)),
    updateExchangeStep: define(RESOLVERS.updateExchangeStep.payload, (input, { actor }) => links.setExchangeStep(input, actor)),
    issueIncomingCredentials: define(RESOLVERS.issueIncomingCredentials.payload, (input, { actor }) => incoming.issue(input, actor)),
    updateIncomingCredentials: define(RESOLVERS.updateIncomingCredentials.payload, (input, { actor }) => incoming.update(input, actor)),
    listIncomingClients: define(RESOLVERS.listIncomingClients.payload, (input) => incoming.list(input.id)),
    revokeIncomingClient: define(RESOLVERS.revokeIncomingClient.payload, (input, { actor }) => incoming.revoke(input, actor)),
    getConnectorStatus: define(RESOLVERS.getConnectorStatus.payload, () => connectorStatus.status()),
    pairConnector: define(RESOLVERS.pairConnector.payload, (input, { actor }) => connectorStatus.pair(input.code, actor)),
    listAuditLog: define(RESOLVERS.listAuditLog.payload, async (input) => {
      await health.syncTransitions();
      return auditReader.page(input);
    }),
    getLinkHealth: define(RESOLVERS.getLinkHealth.payload, (input) => health.health(input.id)),
    listLinkUsers: define(RESOLVERS.listLinkUsers.payload, (input) => connections.users(input)),
    disconnectLinkUser: define(RESOLVERS.disconnectLinkUser.payload, (input, { actor }) => connections.disconnectUser(input, actor)),
  };
}

/** The users' page resolvers: no admin check, and none takes an account id (see `user-resolver.ts`). */
export function userResolverDefinitions(services: AppServices): Record<(typeof USER_RESOLVER_KEYS)[number], ResolverDefinition> {
  const { connections } = services;
  return {
    listMyConnections: define(USER_RESOLVERS.listMyConnections.payload, () => connections.mine()),
    connectMyAccount: define(USER_RESOLVERS.connectMyAccount.payload, (input) => connections.connect(input.id)),
    disconnectMyAccount: define(USER_RESOLVERS.disconnectMyAccount.payload, (input) => connections.disconnect(input.id)),
  };
}

export type ResolverHandler = ReturnType<Resolver['getDefinitions']>;

/**
 * The resolver function's handler: `@forge/resolver` dispatches on the key the page invokes.
 *
 * Why the guard in front: `@forge/resolver` looks the key up with `in`, which also finds names
 * inherited from `Object` (`constructor`, `toString`, `hasOwnProperty`...); `constructor` would
 * run without the admin check and echo the request back. Only declared keys reach dispatch.
 */
export function buildResolver(deps: Pick<AppDependencies, 'adminCheck' | 'connector' | 'logger'> & { consentPage?: AppDependencies['consentPage'] }, services: AppServices): ResolverHandler {
  const definitions = resolverDefinitions(deps, services);
  const resolver = new Resolver();
  for (const key of RESOLVER_KEYS) resolver.define(key, adminResolver(deps, key, definitions[key] as ResolverDefinition));
  // The consent surface's keys: for any signed-in account, without the admin check.
  const consent = consentResolvers(deps, services.consent);
  for (const key of CONSENT_RESOLVER_KEYS) resolver.define(key, consent[key]);
  // The users' page keys: no admin check, and none takes an account id.
  const users = userResolverDefinitions(services);
  for (const key of USER_RESOLVER_KEYS) resolver.define(key, userResolver(deps, key, users[key]));
  const dispatch = resolver.getDefinitions();
  return async (request, runtime) => {
    const key: unknown = (request as { call?: { functionKey?: unknown } } | undefined)?.call?.functionKey;
    const siteUrl: unknown = (request as { context?: { siteUrl?: unknown } } | undefined)?.context?.siteUrl;
    if (typeof siteUrl === 'string') await deps.consentPage?.noteSite?.(siteUrl);
    if (!isResolverKey(key) && !isConsentResolverKey(key) && !isUserResolverKey(key)) return failure(new AppError('UNKNOWN_RESOLVER'), deps.logger, typeof key === 'string' ? key.slice(0, 100) : typeof key);
    return dispatch(request, runtime);
  };
}
