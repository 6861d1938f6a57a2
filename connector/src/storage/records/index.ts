/**
 * The storage edge, per entity: zod schemas that rows are parsed with when read back, the checks
 * records pass before they are written, and their column forms. Both dialects use these.
 */
export * from './common';
export * from './links';
export * from './secrets';
export * from './settings';
export * from './tokens';
export * from './auth-states';
export * from './consumers';
export * from './alerts';
export * from './health';
export * from './user-connections';
