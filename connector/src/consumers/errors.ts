import type { ApiIssue } from '../../../contract';

export const CONSUMER_ERROR_CODES = ['CONSUMER_NOT_FOUND', 'CONSUMER_LINKS_UNKNOWN'] as const;
export type ConsumerErrorCode = (typeof CONSUMER_ERROR_CODES)[number];

/** Why a consumer (a DC-side program reading tokens) cannot be created or removed. */
export class ConsumerError extends Error {
  override readonly name = 'ConsumerError';
  constructor(
    readonly code: ConsumerErrorCode,
    message: string,
    readonly issues?: ApiIssue[],
  ) {
    super(message);
  }
}
