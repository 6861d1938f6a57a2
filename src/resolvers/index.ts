import Resolver from '@forge/resolver';
import { RESOLVERS, type ResolverKey, type ResolverResult } from '../../contract';
import { buildServices, type AppDependencies } from '../app/app-dependencies';
import { adminResolver, define, type ResolverDefinition } from './admin-resolver';

/** Every resolver the admin page calls, by key (the keys are in the contract, for the page's bridge module). */
/** Each key's handler takes its contract payload and answers its contract result: the page parses the answer with the same schema. */
export type ResolverDefinitions = { [K in ResolverKey]: ResolverDefinition<(typeof RESOLVERS)[K]['payload'], ResolverResult<K>> };

export function resolverDefinitions(deps: AppDependencies): ResolverDefinitions {
  const { links, connectorStatus, audit } = buildServices(deps);
  return {
    listLinks: define(RESOLVERS.listLinks.payload, (input) => links.list(input)),
    getLink: define(RESOLVERS.getLink.payload, (input) => links.get(input.id)),
    createLink: define(RESOLVERS.createLink.payload, (input, { actor }) => links.create(input, actor)),
    updateLink: define(RESOLVERS.updateLink.payload, (input, { actor }) => links.update(input, actor)),
    deleteLink: define(RESOLVERS.deleteLink.payload, (input, { actor }) => links.delete(input, actor)),
    relocateLink: define(RESOLVERS.relocateLink.payload, (input, { actor }) => links.relocate(input, actor)),
    testConnection: define(RESOLVERS.testConnection.payload, (input, { actor }) => links.test(input.id, actor)),
    authorizeLink: define(RESOLVERS.authorizeLink.payload, (input, { actor }) => links.authorize(input.id, actor)),
    // Nothing is stored: the connector fetches the remote's manifest and answers what it found.
    probeRemote: define(RESOLVERS.probeRemote.payload, (input) => deps.connector.probe(input)),
    updateExchangeStep: define(RESOLVERS.updateExchangeStep.payload, (input, { actor }) => links.setExchangeStep(input, actor)),
    issueIncomingCredentials: define(RESOLVERS.issueIncomingCredentials.payload, (input, { actor }) => links.issueIncoming(input, actor)),
    updateIncomingCredentials: define(RESOLVERS.updateIncomingCredentials.payload, (input, { actor }) => links.updateIncoming(input, actor)),
    getConnectorStatus: define(RESOLVERS.getConnectorStatus.payload, () => connectorStatus.status()),
    pairConnector: define(RESOLVERS.pairConnector.payload, (input, { actor }) => connectorStatus.pair(input.code, actor)),
    listAuditLog: define(RESOLVERS.listAuditLog.payload, (input) => audit.page(input)),
  };
}

/** The resolver function's handler: `@forge/resolver` dispatches on the key the page invokes. */
export function buildResolver(deps: AppDependencies): ReturnType<Resolver['getDefinitions']> {
  const resolver = new Resolver();
  for (const [key, definition] of Object.entries(resolverDefinitions(deps))) {
    resolver.define(key, adminResolver(deps, key, definition));
  }
  return resolver.getDefinitions();
}
