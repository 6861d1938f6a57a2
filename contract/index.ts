/**
 * The contract between the connector, the Forge app and the admin page: zod schemas and the types
 * inferred from them, one module per wire. Import from here, never from a part's internals.
 */
export * from './errors';
export * from './remotes';
export * from './diagnostics';
export * from './probe';
export * from './links';
export * from './text';
export * from './forge-channel';
export * from './connector-api';
export * from './forge-errors';
export * from './incoming';
export * from './exchange';
export * from './audit';
export * from './admin-views';
export * from './resolvers';
export * from './secret-fingerprint';
export * from './health';
export * from './provider-settings';
export * from './revocation';
export * from './consent';
export * from './bitbucket-cloud';
export * from './service-accounts';
export * from './alerts';
export * from './user-connections';
