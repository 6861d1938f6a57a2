import Resolver from '@forge/resolver';
import {
  AuthorizeLinkPayloadSchema,
  CreateLinkPayloadSchema,
  DeleteLinkPayloadSchema,
  GetConnectorStatusPayloadSchema,
  GetLinkPayloadSchema,
  IssueIncomingPayloadSchema,
  ListAuditLogPayloadSchema,
  ListLinksPayloadSchema,
  PairConnectorPayloadSchema,
  ProbeRemotePayloadSchema,
  RelocateLinkPayloadSchema,
  TestConnectionPayloadSchema,
  UpdateExchangeStepPayloadSchema,
  UpdateIncomingPayloadSchema,
  UpdateLinkPayloadSchema,
  type ResolverKey,
} from '../../contract';
import { buildServices, type AppDependencies } from '../app/app-dependencies';
import { adminResolver, define, type ResolverDefinition } from './admin-resolver';

/** Every resolver the admin page calls, by key (the keys are in the contract, for the page's bridge module). */
export function resolverDefinitions(deps: AppDependencies): Record<ResolverKey, ResolverDefinition> {
  const { links, connectorStatus, audit } = buildServices(deps);
  return {
    listLinks: define(ListLinksPayloadSchema, (input) => links.list(input)),
    getLink: define(GetLinkPayloadSchema, (input) => links.get(input.id)),
    createLink: define(CreateLinkPayloadSchema, (input, { actor }) => links.create(input, actor)),
    updateLink: define(UpdateLinkPayloadSchema, (input, { actor }) => links.update(input, actor)),
    deleteLink: define(DeleteLinkPayloadSchema, (input, { actor }) => links.delete(input, actor)),
    relocateLink: define(RelocateLinkPayloadSchema, (input, { actor }) => links.relocate(input, actor)),
    testConnection: define(TestConnectionPayloadSchema, (input, { actor }) => links.test(input.id, actor)),
    authorizeLink: define(AuthorizeLinkPayloadSchema, (input, { actor }) => links.authorize(input.id, actor)),
    // Nothing is stored: the connector fetches the remote's manifest and answers what it found.
    probeRemote: define(ProbeRemotePayloadSchema, (input) => deps.connector.probe(input)),
    updateExchangeStep: define(UpdateExchangeStepPayloadSchema, (input, { actor }) => links.setExchangeStep(input, actor)),
    issueIncomingCredentials: define(IssueIncomingPayloadSchema, (input, { actor }) => links.issueIncoming(input, actor)),
    updateIncomingCredentials: define(UpdateIncomingPayloadSchema, (input, { actor }) => links.updateIncoming(input, actor)),
    getConnectorStatus: define(GetConnectorStatusPayloadSchema, () => connectorStatus.status()),
    pairConnector: define(PairConnectorPayloadSchema, (input, { actor }) => connectorStatus.pair(input.code, actor)),
    listAuditLog: define(ListAuditLogPayloadSchema, (input) => audit.page(input)),
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
