export type VaultErrorCode =
  | 'MASTER_KEY_INVALID'
  | 'MASTER_KEY_MISMATCH'
  | 'MASTER_KEY_MISSING'
  | 'KEY_FILE_INSECURE'
  | 'MALFORMED_CIPHERTEXT'
  | 'UNKNOWN_KEY_VERSION'
  | 'DECRYPT_FAILED'
  | 'ROTATION_IN_PROGRESS';

/**
 * Vault failures. Messages name the record and field at most, never key material, plaintext or
 * ciphertext, because they reach logs.
 */
export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
