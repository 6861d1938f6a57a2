import type { Request } from '@forge/resolver';
import { CONSENT_RESOLVERS, type ConsentResolverKey, type ResolverResponse } from '../../contract';
import { AppError } from '../errors';
import type { ConsentService } from '../incoming/consent-service';
import type { Logger } from '../logger';
import { failure, ok } from './envelope';

/**
 * The consent surface's resolvers. Any signed-in account may call them (consent is not an admin
 * act); who consents is the platform's principal (`context.accountId`), never a payload value, and
 * a call without a principal is refused before the payload is read.
 */
export function consentResolvers(deps: { logger: Logger }, consent: ConsentService): Record<ConsentResolverKey, (request: Request) => Promise<ResolverResponse<unknown>>> {
  const signedIn = (key: ConsentResolverKey, handle: (payload: unknown, accountId: string) => Promise<unknown>) => async (request: Request): Promise<ResolverResponse<unknown>> => {
    try {
      const accountId: unknown = request.context.accountId;
      if (typeof accountId !== 'string' || accountId === '') throw new AppError('FORBIDDEN', 'Sign in to Jira to answer this request.');
      return ok(await handle(request.payload, accountId));
    } catch (error) {
      return failure(error, deps.logger, key);
    }
  };
  return {
    getConsentRequest: signedIn('getConsentRequest', (payload) => consent.describe(CONSENT_RESOLVERS.getConsentRequest.payload.parse(payload).requestId)),
    decideConsent: signedIn('decideConsent', (payload, accountId) => {
      const input = CONSENT_RESOLVERS.decideConsent.payload.parse(payload);
      return consent.decide(input.requestId, input.decision, accountId);
    }),
  };
}
