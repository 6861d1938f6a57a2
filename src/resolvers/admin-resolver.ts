import type { Request } from '@forge/resolver';
import type { z } from 'zod';
import type { ResolverResponse } from '../../contract';
import type { AdminCheck } from '../permissions/jira-admin-check';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { failure, ok } from './envelope';

export interface ResolverCall {
  /** The Jira account of the administrator who asked. */
  actor: string;
}

export interface ResolverDefinition<S extends z.ZodType = z.ZodType, R = unknown> {
  schema: S;
  handle(input: z.output<S>, call: ResolverCall): Promise<R>;
}

/** Keeps the input type of `handle` tied to its schema. */
export const define = <S extends z.ZodType, R>(schema: S, handle: (input: z.output<S>, call: ResolverCall) => Promise<R>): ResolverDefinition<S, R> => ({ schema, handle });

/**
 * Wraps a resolver so that it first checks that the caller is a Jira administrator, before
 * reading its payload or touching storage, then parses the payload, then runs; every outcome is
 * the one response shape.
 */
export function adminResolver(deps: { adminCheck: AdminCheck; logger: Logger }, key: string, definition: ResolverDefinition) {
  return async (request: Request): Promise<ResolverResponse<unknown>> => {
    try {
      const actor: unknown = request.context.accountId;
      if (typeof actor !== 'string' || actor === '') throw new AppError('FORBIDDEN');
      if (!(await deps.adminCheck.isJiraAdministrator())) {
        deps.logger.info('A caller who is not a Jira administrator was refused', { resolver: key, accountId: actor });
        throw new AppError('FORBIDDEN');
      }
      const input: unknown = definition.schema.parse(request.payload);
      return ok(await definition.handle(input, { actor }));
    } catch (error) {
      return failure(error, deps.logger, key);
    }
  };
}
