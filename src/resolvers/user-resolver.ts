import type { Request } from '@forge/resolver';
import type { ResolverResponse } from '../../contract';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import type { ResolverDefinition } from './admin-resolver';
import { failure, ok } from './envelope';

/**
 * Wraps a resolver of the users' page: any signed-in Jira user may call it, no admin check. It
 * acts for the caller only: nothing in the payload names a user, and the connector takes the
 * caller from the invocation token Forge signs for this very invocation.
 */
export function userResolver(deps: { logger: Logger }, key: string, definition: ResolverDefinition) {
  return async (request: Request): Promise<ResolverResponse<unknown>> => {
    try {
      const actor: unknown = request.context.accountId;
      if (typeof actor !== 'string' || actor === '') throw new AppError('FORBIDDEN', 'Sign in to Jira to connect your accounts.');
      const input: unknown = definition.schema.parse(request.payload);
      return ok(await definition.handle(input, { actor }));
    } catch (error) {
      return failure(error, deps.logger, key);
    }
  };
}
