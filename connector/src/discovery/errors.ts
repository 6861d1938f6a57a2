import type { ApiIssue } from '../../../contract';

export const DISCOVERY_ERROR_CODES = ['PROBE_URL_INVALID', 'PROBE_URL_INSECURE', 'PROBE_HOST_NOT_ALLOWED'] as const;
export type DiscoveryErrorCode = (typeof DISCOVERY_ERROR_CODES)[number];

/** The URL given to probe is one the connector may not call: the caller's mistake, not the remote's. */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
  constructor(
    readonly code: DiscoveryErrorCode,
    message: string,
    readonly issues?: ApiIssue[],
  ) {
    super(message);
  }
}
