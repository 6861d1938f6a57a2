import { FORGE_ERRORS, type ForgeErrorCode } from '../contract';

/**
 * An error meant for the admin: its code comes from the contract's registry (which fixes the
 * status), its message is safe to show (no secret, no internal detail). `cause` goes to the log only.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ForgeErrorCode,
    message?: string,
    readonly issues: { path: string; message: string }[] = [],
    options?: { cause?: unknown },
  ) {
    super(message ?? FORGE_ERRORS[code].message, options);
    this.status = FORGE_ERRORS[code].status;
  }
}
