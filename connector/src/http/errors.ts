import { API_ERRORS, type ApiErrorCode, type ApiIssue } from '../../../contract';

/**
 * An error meant for the caller: its code comes from the contract's registry, which fixes the
 * HTTP status. The message must be safe to show (no secret, no internal detail); `cause` is
 * only logged.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message?: string,
    readonly issues?: ApiIssue[],
    options?: { cause?: unknown },
  ) {
    super(message ?? API_ERRORS[code].message, options);
    this.status = API_ERRORS[code].status;
  }
}

export const validationFailed = (issues: ApiIssue[], message?: string): HttpError =>
  new HttpError('VALIDATION_FAILED', message ?? API_ERRORS.VALIDATION_FAILED.message, issues);
