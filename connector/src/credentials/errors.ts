export const CREDENTIAL_ERROR_CODES = [
  'LINK_NOT_FOUND',
  'NOT_AUTHORIZED',
  'NEEDS_REAUTHORIZATION',
  'NOT_CONFIGURED',
  'SUBJECT_REQUIRED',
  'SUBJECT_NOT_ALLOWED',
  'TOKEN_UNAVAILABLE',
  'NOT_AUTHORIZATION_CODE',
  'SECRET_ORIGIN_MISMATCH',
  'USER_NOT_CONNECTED',
  'USER_DISCONNECTED',
] as const;

/**
 * Why a credential cannot give a token right now. The HTTP layer maps these to answers; the
 * message is safe to show (it names the link, never a token).
 */
export type CredentialErrorCode = (typeof CREDENTIAL_ERROR_CODES)[number];

export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  /** For TOKEN_UNAVAILABLE: when the next renewal attempt is due, in whole seconds from now. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
