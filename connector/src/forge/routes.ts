import { CONNECTOR_PATHS, ForgeChannelStatusSchema, ForgePairInputSchema, type ForgeChannelStatus } from '../../../contract';
import { HttpError } from '../http/errors';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import { CONNECTOR_VERSION } from '../version';
import { forgeInvocationOf } from './authenticator';
import { PairingError, type PairingBinding, type PairingService } from './pairing';

export const PAIR_ROUTE = { method: 'POST', url: CONNECTOR_PATHS.forgePair } as const;
export const STATUS_ROUTE = { method: 'GET', url: CONNECTOR_PATHS.forgeStatus } as const;

/** The routes a valid FIT may call before the connector is paired. */
export const UNPAIRED_ROUTES: ReadonlySet<string> = new Set([`${PAIR_ROUTE.method} ${PAIR_ROUTE.url}`, `${STATUS_ROUTE.method} ${STATUS_ROUTE.url}`]);

function status(binding: PairingBinding | undefined): ForgeChannelStatus {
  return {
    paired: binding !== undefined,
    installationId: binding?.installationId ?? null,
    cloudId: binding?.cloudId ?? null,
    pairedAt: binding?.pairedAt ?? null,
    connectorVersion: CONNECTOR_VERSION,
  };
}

/** Pairing failures as the caller sees them: one status per reason, a message that says what to do. */
function toHttpError(error: PairingError): HttpError {
  switch (error.code) {
    case 'ALREADY_PAIRED':
      return new HttpError('ALREADY_EXISTS', error.message);
    case 'PAIRED_ELSEWHERE':
      return new HttpError('FORBIDDEN', error.message);
    case 'NO_CODE_PENDING':
      return new HttpError('FORBIDDEN', error.message, [{ path: 'code', message: 'no pairing code is pending' }]);
    case 'CODE_WRONG':
      return new HttpError('FORBIDDEN', error.message, [{ path: 'code', message: 'does not match the pending pairing code' }]);
    case 'CODE_EXPIRED':
      return new HttpError('FORBIDDEN', error.message, [{ path: 'code', message: 'has expired' }]);
    case 'CODE_USED':
      return new HttpError('FORBIDDEN', error.message, [{ path: 'code', message: 'was already used' }]);
  }
}

export function forgeRoutes(deps: { pairing: PairingService }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: PAIR_ROUTE.method,
      url: PAIR_ROUTE.url,
      summary: 'Pair this connector with the calling Forge installation, using the one-time code from `applinks-connector pair`',
      tags: ['forge'],
      auth: ['forge'],
      body: ForgePairInputSchema,
      response: { status: 200, schema: ForgeChannelStatusSchema, description: 'Paired with the calling installation' },
      handler: async ({ body, request }) => {
        const invocation = forgeInvocationOf(request);
        try {
          const binding = await deps.pairing.pair(body.code, invocation);
          request.log.info({ installationId: binding.installationId, cloudId: binding.cloudId }, 'paired with a Forge installation');
          return status(binding);
        } catch (error) {
          if (!(error instanceof PairingError)) throw error;
          request.log.info({ pairing: error.code, installationId: invocation.installationId }, 'pairing refused');
          throw toHttpError(error);
        }
      },
    }),
    defineRoute({
      method: STATUS_ROUTE.method,
      url: STATUS_ROUTE.url,
      summary: 'Whether this connector is paired (with the caller), and its version',
      tags: ['forge'],
      auth: ['forge'],
      response: { status: 200, schema: ForgeChannelStatusSchema, description: 'The pairing status' },
      handler: async () => status(await deps.pairing.binding()),
    }),
  ];
}
