import type { SealedSecret } from './sealed-secret';

/** A pending authorization request. `id` is a hash of the `state` sent to the provider, never the state itself. */
export interface AuthStateRecord {
  id: string;
  linkId: string;
  subject: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

export type ConsumeResult =
  | { outcome: 'consumed'; record: AuthStateRecord; codeVerifier: SealedSecret }
  | { outcome: 'replayed'; record: AuthStateRecord }
  | { outcome: 'expired'; record: AuthStateRecord }
  | { outcome: 'unknown' };

export interface AuthStateStore {
  /**
   * Stores the request and its sealed PKCE verifier (in `secrets`, under `authStateOwnerId(id)`).
   * Throws `StoreError('ALREADY_EXISTS')` on a duplicate id and `StoreError('NOT_FOUND')` when the
   * link does not exist (any more).
   */
  create(record: AuthStateRecord, codeVerifier: SealedSecret): Promise<void>;
  /**
   * Marks the request used and returns its verifier, atomically: of concurrent callers with the
   * same id exactly one gets `consumed`; later ones get `replayed`. A request past `expiresAt`
   * gives `expired`. The verifier is deleted when consumed.
   */
  consume(id: string, now: string): Promise<ConsumeResult>;
  /** Deletes requests created before `before` (used or not) and their verifiers. */
  purge(before: string): Promise<number>;
}
