import type { ApiIssue } from '../../../contract';

export const LINK_ERROR_CODES = ['LINK_NOT_FOUND', 'LINK_INVALID', 'LINK_URL_INSECURE', 'LINK_HOST_NOT_ALLOWED', 'SECRET_ORIGIN_CHANGED'] as const;
export type LinkErrorCode = (typeof LINK_ERROR_CODES)[number];

/**
 * Why a link cannot be created, read or changed as asked. `issues` point at the input fields at
 * fault. Messages are safe to show: they name fields and URLs, never a secret.
 */
export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly code: LinkErrorCode,
    message: string,
    readonly issues?: ApiIssue[],
  ) {
    super(message);
  }
}
