/**
 * Who each user of an impersonating link is on the remote, beside the Atlassian account id that
 * owns the credential (the verified invocation token's principal). The tokens themselves stay in
 * `tokens`; this row outlives them after a disconnect, so a consumer can be told "disconnected"
 * rather than "never connected".
 */

export interface UserConnectionRecord {
  linkId: string;
  /** The Atlassian account id: always the invocation token's principal, never a payload value. */
  subject: string;
  /** The remote's user name (Data Center: its current-user endpoint), when it answered. */
  remoteUsername: string | null;
  remoteDisplayName: string | null;
  connectedAt: string;
  /** Set when the user (or an admin) disconnected; the tokens are gone then. */
  disconnectedAt: string | null;
  /** `user` or `admin:<accountId>`. */
  disconnectedBy: string | null;
}

/** A user's connection with the state of their credential (null when no tokens are stored). */
export interface UserConnectionView extends UserConnectionRecord {
  token: { state: 'valid' | 'needs-reauthorization'; expiresAt: string; lastErrorCode: string | null } | null;
}

export interface UserConnectionStore {
  /** Inserts or replaces the row. Throws `StoreError('NOT_FOUND')` when the link does not exist. */
  put(record: UserConnectionRecord): Promise<void>;
  get(linkId: string, subject: string): Promise<UserConnectionView | undefined>;
  /** The connection whose remote user name is `username` (connected ones first), if any. */
  findByRemoteUsername(linkId: string, username: string): Promise<UserConnectionRecord | undefined>;
  /** One user's connections to these links, by link id (one query). */
  forSubject(subject: string, linkIds: readonly string[]): Promise<Map<string, UserConnectionView>>;
  /**
   * The users currently connected to a link (not disconnected), ordered by subject, a page at a
   * time: the cursor is the last subject of the previous page (keyset paging, so page 50 costs
   * what page 1 does).
   */
  list(linkId: string, options: { limit: number; cursor?: string | undefined }): Promise<{ items: UserConnectionView[]; nextCursor: string | null }>;
}
