import { CONNECTOR_PATHS, ForgeChannelStatusSchema, ForgePairInputSchema, type ForgeChannelStatus } from '../../../contract';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import { CONNECTOR_VERSION } from '../version';
import { forgeInvocationOf } from '../http/forge-authenticator';
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
          // http/error-handler.ts gives each pairing refusal its status and the `code` issue.
          throw error;
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
