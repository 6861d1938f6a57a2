import { AUTH_STATE_EXISTS_MESSAGE, missingVerifierError } from '../errors';
import { authStateFromRow, checkAuthStateRecord, checkKeyVersion, checkTimestamp, idFromRow, notConsumed, sealedFromRow } from '../records';
import { authStateOwnerId, CODE_VERIFIER_FIELD, type AuthStateRecord, type AuthStateStore, type ConsumeResult, type SealedSecret } from '../store';
import type { PostgresConnection } from './connection';

const AUTH_STATE_COLUMNS = 'id, link_id, subject, created_at, expires_at, used_at';

export function postgresAuthStates(c: PostgresConnection): AuthStateStore {
  const { transaction } = c;
  return {
    async create(record: AuthStateRecord, codeVerifier: SealedSecret) {
      const r = checkAuthStateRecord(record);
      checkKeyVersion(codeVerifier.keyVersion);
      await transaction({ unique: AUTH_STATE_EXISTS_MESSAGE, secretKeyVersion: true }, async (q) => {
        await c.requireLink(q, r.linkId);
        await q(`INSERT INTO auth_states (${AUTH_STATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [r.id, r.linkId, r.subject, r.createdAt, r.expiresAt, r.usedAt]);
        await c.putSecret(q, authStateOwnerId(r.id), CODE_VERIFIER_FIELD, codeVerifier);
      });
    },

    async consume(id: string, now: string): Promise<ConsumeResult> {
      checkTimestamp(now, 'now');
      return transaction({}, async (q) => {
        // The conditional UPDATE is the whole of the atomicity: a concurrent consumer waits for
        // this row's lock, then re-checks `used_at IS NULL` against the committed row and matches
        // nothing, in this replica or any other.
        const used = await q(
          `UPDATE auth_states SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2 RETURNING ${AUTH_STATE_COLUMNS}`,
          [id, now],
        );
        if (used.rows[0] !== undefined) {
          const record = authStateFromRow(used.rows[0]);
          const verifier = await q('DELETE FROM secrets WHERE owner_id = $1 AND field = $2 RETURNING key_version, ciphertext', [
            authStateOwnerId(id),
            CODE_VERIFIER_FIELD,
          ]);
          if (verifier.rows[0] === undefined) throw missingVerifierError();
          return { outcome: 'consumed', record, codeVerifier: sealedFromRow(verifier.rows[0]) };
        }
        const { rows } = await q(`SELECT ${AUTH_STATE_COLUMNS} FROM auth_states WHERE id = $1`, [id]);
        return notConsumed(rows[0] === undefined ? undefined : authStateFromRow(rows[0]), now);
      });
    },

    async purge(before: string) {
      checkTimestamp(before, 'before');
      return transaction({}, async (q) => {
        const ids = (await q('DELETE FROM auth_states WHERE created_at < $1 RETURNING id', [before])).rows.map(idFromRow);
        if (ids.length > 0) await q('DELETE FROM secrets WHERE owner_id = ANY($1::text[])', [ids.map(authStateOwnerId)]);
        return ids.length;
      });
    },
  };
}
