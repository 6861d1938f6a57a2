import type { invokeRemote } from '@forge/api';
import type { RemoteInvoker } from './connector-client';

/** The `remotes` key of the connector in manifest.yml. */
export const CONNECTOR_REMOTE_KEY = 'connector';

/**
 * Calls the connector through Forge Remote. Forge adds the invocation token (a JWT naming this app
 * and installation) as the bearer; the connector verifies it and its pairing.
 */
export function forgeRemoteInvoker(invoke: typeof invokeRemote, remoteKey: string = CONNECTOR_REMOTE_KEY): RemoteInvoker {
  return async ({ path, method, body, headers }) => {
    const response = await invoke(remoteKey, { path, method, headers, ...(body === undefined ? {} : { body }) });
    return { status: response.status, text: () => response.text() };
  };
}
