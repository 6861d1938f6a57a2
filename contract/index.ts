/**
 * The contract between the connector, the Forge app and the admin page: zod schemas and the types
 * inferred from them. Import from here, never from a part's internals.
 */
export * from './errors';
export * from './remotes';
export * from './diagnostics';
export * from './probe';
export * from './links';
export * from './text';
export * from './forge-channel';
export * from './forge';
