import { AUTH_STATE_EXISTS_MESSAGE, missingVerifierError } from '../errors';
import { authStateFromRow, checkAuthStateRecord, checkTimestamp, idFromRow, notConsumed, sealedFromRow } from '../records';
import { authStateOwnerId, CODE_VERIFIER_FIELD, type AuthStateRecord, type AuthStateStore, type ConsumeResult, type SealedSecret } from '../store';
import type { SqliteConnection } from './connection';

const AUTH_STATE_COLUMNS = 'id, link_id, subject, created_at, expires_at, used_at';

export function sqliteAuthStates(c: SqliteConnection): AuthStateStore {
  return {
    async create(record: AuthStateRecord, codeVerifier: SealedSecret) {
      const r = checkAuthStateRecord(record);
      c.writeTransaction({ unique: AUTH_STATE_EXISTS_MESSAGE, secretKeyVersion: true }, () => {
        c.requireLink(r.linkId);
        c.sql(`INSERT INTO auth_states (${AUTH_STATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`).run(r.id, r.linkId, r.subject, r.createdAt, r.expiresAt, r.usedAt);
        c.putSecret(authStateOwnerId(r.id), CODE_VERIFIER_FIELD, codeVerifier);
      });
    },

    async consume(id: string, now: string): Promise<ConsumeResult> {
      checkTimestamp(now, 'now');
      return c.writeTransaction({}, (): ConsumeResult => {
        // Under the write lock, so of concurrent consumers (even in another process) one matches.
        const used = c
          .sql(`UPDATE auth_states SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ? RETURNING ${AUTH_STATE_COLUMNS}`)
          .get(now, id, now);
        if (used !== undefined) {
          const record = authStateFromRow(used);
          const verifier = c
            .sql('DELETE FROM secrets WHERE owner_id = ? AND field = ? RETURNING key_version, ciphertext')
            .get(authStateOwnerId(id), CODE_VERIFIER_FIELD);
          if (verifier === undefined) throw missingVerifierError();
          return { outcome: 'consumed', record, codeVerifier: sealedFromRow(verifier) };
        }
        const row = c.sql(`SELECT ${AUTH_STATE_COLUMNS} FROM auth_states WHERE id = ?`).get(id);
        return notConsumed(row === undefined ? undefined : authStateFromRow(row), now);
      });
    },

    async purge(before: string) {
      checkTimestamp(before, 'before');
      return c.writeTransaction({}, () => {
        const ids = c.sql('DELETE FROM auth_states WHERE created_at < ? RETURNING id').all(before).map(idFromRow);
        for (const id of ids) c.sql('DELETE FROM secrets WHERE owner_id = ?').run(authStateOwnerId(id));
        return ids.length;
      });
    },
  };
}
