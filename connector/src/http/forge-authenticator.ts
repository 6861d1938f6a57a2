import type { FastifyRequest } from 'fastify';
import type { Authenticator } from './auth';
import { HttpError } from './errors';
import { InvocationTokenError, looksLikeJwt, type ForgeInvocation, type InvocationTokenVerifier } from '../forge/invocation-token';
import { JwksUnavailableError } from '../forge/jwks';
import type { PairingService } from '../forge/pairing';

/** The verified invocation behind each Forge request, for the handlers that need more than the principal id. */
const invocations = new WeakMap<FastifyRequest, ForgeInvocation>();

export function forgeInvocationOf(request: FastifyRequest): ForgeInvocation {
  const invocation = invocations.get(request);
  // Only reachable through a route that lists 'forge' and was authenticated as such.
  if (invocation === undefined) throw new HttpError('INTERNAL', undefined, undefined, { cause: new Error('no Forge invocation on this request') });
  return invocation;
}

export interface ForgeAuthenticatorDeps {
  verifier: InvocationTokenVerifier;
  pairing: PairingService;
  /** Routes ("METHOD /url" as registered) a valid token may call before the connector is paired. */
  unpairedRoutes: ReadonlySet<string>;
}

/**
 * The Forge channel's authenticator. A bearer that is not JWT-shaped is not ours (undefined, so the
 * operator token still works). A JWT must be a valid FIT for this app (401 otherwise), from the
 * paired installation (403 otherwise); before pairing, only the pairing and status routes answer.
 */
export function forgeAuthenticator(deps: ForgeAuthenticatorDeps): Authenticator {
  return async (request, bearer) => {
    if (!looksLikeJwt(bearer)) return undefined;
    let invocation: ForgeInvocation;
    try {
      invocation = await deps.verifier.verify(bearer);
    } catch (error) {
      if (error instanceof JwksUnavailableError) {
        request.log.error({ err: error }, 'cannot verify Forge invocation tokens: no signing keys');
        throw new HttpError('NOT_READY', 'The connector cannot fetch the Forge signing keys right now.', undefined, { cause: error });
      }
      // The reason is logged (never the token); the caller learns only that the token was refused.
      const reason = error instanceof InvocationTokenError ? { code: error.code, detail: error.message } : { code: 'UNEXPECTED' };
      request.log.info({ forgeToken: reason }, 'Forge invocation token refused');
      throw new HttpError('UNAUTHENTICATED', 'The Forge invocation token is not valid.', undefined, { cause: error });
    }
    const binding = await deps.pairing.binding();
    if (binding === undefined) {
      const route = `${request.method} ${request.routeOptions.url ?? ''}`;
      if (!deps.unpairedRoutes.has(route)) {
        throw new HttpError('FORBIDDEN', 'This connector is not paired with a Jira installation yet: run applinks-connector pair on the connector host and enter the code in the Jira admin page.');
      }
    } else if (binding.installationId !== invocation.installationId) {
      request.log.warn({ installationId: invocation.installationId }, 'Forge call from an installation other than the paired one refused');
      throw new HttpError('FORBIDDEN', 'This connector is paired with another Jira installation.');
    }
    invocations.set(request, invocation);
    return { kind: 'forge', id: invocation.installationId, accountId: invocation.accountId };
  };
}
