/**
 * Why a credential cannot give a token right now. The HTTP layer maps these to answers; the
 * message is safe to show (it names the link, never a token).
 */
export type CredentialErrorCode =
  | 'LINK_NOT_FOUND'
  | 'NOT_AUTHORIZED'
  | 'NEEDS_REAUTHORIZATION'
  | 'NOT_CONFIGURED'
  | 'SUBJECT_REQUIRED'
  | 'SUBJECT_NOT_ALLOWED'
  | 'TOKEN_UNAVAILABLE'
  | 'NOT_AUTHORIZATION_CODE';

export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
