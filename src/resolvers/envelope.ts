import { ZodError } from 'zod';
import { FORGE_ERRORS, type ResolverError, type ResolverFailure, type ResolverSuccess } from '../../contract';
import { AppError } from '../errors';
import { errorFields, type Logger } from '../logger';

export const ok = <T>(data: T): ResolverSuccess<T> => ({ success: true, data });

/**
 * Turns anything a resolver threw into the one failure shape. Known errors keep their code and
 * message; validation problems list the path of each (never the value: it may be a secret);
 * everything else is logged and answered INTERNAL.
 */
export function failure(error: unknown, logger: Logger, resolver: string): ResolverFailure {
  const known = toAppError(error);
  if (known.code === 'INTERNAL') logger.error('Resolver failed', { resolver, ...errorFields(error) });
  else if (known.status >= 500) logger.warn('Resolver failed', { resolver, code: known.code, ...errorFields(known.cause) });
  else logger.info('Resolver refused', { resolver, code: known.code });
  const message = known.code === 'INTERNAL' ? FORGE_ERRORS.INTERNAL.message : known.message;
  const errors: ResolverError[] = [{ code: known.code, message }, ...known.issues.map((issue) => ({ code: known.code, message: issue.message, path: issue.path }))];
  return { success: false, status: known.status, errors };
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ZodError) {
    return new AppError(
      'VALIDATION_FAILED',
      undefined,
      error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
    );
  }
  return new AppError('INTERNAL', undefined, [], { cause: error });
}
