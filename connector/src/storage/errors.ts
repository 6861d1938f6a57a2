/**
 * Turning driver errors into `StoreError`s. Each adapter says what kind of failure a driver error
 * is (`classify`); the call site says what that kind means there, because a unique violation is
 * `ALREADY_EXISTS` for a link but would be a bug elsewhere, and only secret writes turn a foreign-key
 * violation into `STALE_KEY_VERSION`. Unmapped errors pass through untouched.
 *
 * Messages are fixed strings: no id, value or ciphertext from the operation goes into them.
 */
import { StoreError } from './store';

export type DriverFailure = 'unique' | 'foreign_key' | 'unavailable' | 'other';

export interface ErrorMeaning {
  /** Message for `ALREADY_EXISTS` when the operation hits a unique constraint. */
  unique?: string;
  /** Set where a foreign-key violation can only mean a secret sealed under a key version that is gone. */
  secretKeyVersion?: boolean;
}

export const STALE_KEY_MESSAGE =
  'The secret was sealed under a data-key version that no longer exists (the key was rotated meanwhile); seal it again with the current key.';

export function toStoreError(error: unknown, failure: DriverFailure, meaning: ErrorMeaning, unavailableMessage: string): unknown {
  if (error instanceof StoreError) return error;
  switch (failure) {
    case 'unique':
      return meaning.unique === undefined ? error : new StoreError('ALREADY_EXISTS', meaning.unique, { cause: error });
    case 'foreign_key':
      return meaning.secretKeyVersion ? new StoreError('STALE_KEY_VERSION', STALE_KEY_MESSAGE, { cause: error }) : error;
    case 'unavailable':
      return new StoreError('UNAVAILABLE', unavailableMessage, { cause: error });
    case 'other':
      return error;
  }
}

export function closedStoreError(): StoreError {
  return new StoreError('UNAVAILABLE', 'The store has been closed.');
}

export function conflictError(): StoreError {
  return new StoreError('CONFLICT', 'The link changed since it was read: read it again and retry.');
}

export function linkNotFoundError(): StoreError {
  return new StoreError('NOT_FOUND', 'The link does not exist (any more).');
}

export const LINK_EXISTS_MESSAGE = 'A link with this id already exists.';
export const KEY_VERSION_EXISTS_MESSAGE = 'This data-key version exists already (another process rotated first); reload the keys.';

export function keySetChangedError(): StoreError {
  return new StoreError(
    'CONFLICT',
    'The set of data keys changed while they were being re-wrapped (a key was added or removed); list the keys again and retry.',
  );
}

/** Rejects a batch that names the same version twice, which would hide a key left unwrapped. */
export function checkDistinctVersions(versions: number[]): void {
  if (new Set(versions).size !== versions.length) throw new TypeError('replaceAll was given the same key version twice');
}

export function tokenNotFoundError(): StoreError {
  return new StoreError('NOT_FOUND', 'No tokens are stored for this credential (any more); authorize the link again.');
}

export const AUTH_STATE_EXISTS_MESSAGE = 'An authorization request with this id already exists; start the authorization again.';
export const CONSUMER_EXISTS_MESSAGE = 'A consumer with this id already exists.';

/** The metadata-only write may not say otherwise than the sealed tokens; only `save` changes them. */
export function refreshTokenFlagError(): TypeError {
  return new TypeError('saveRecord cannot change hasRefreshToken: save the tokens with save() instead');
}

export function accessAfterReleaseError(): Error {
  return new Error('The TokenAccess given to withLock was used after its work settled; the lock no longer covers it.');
}

export function lockedWorkRolledBackError(): StoreError {
  return new StoreError(
    'CONFLICT',
    'A statement in the locked work failed, so the database rolled back everything the work wrote; read the credential again and retry.',
  );
}

export function missingVerifierError(): Error {
  return new Error('An authorization request has no sealed PKCE verifier in secrets; was the database changed by hand?');
}
