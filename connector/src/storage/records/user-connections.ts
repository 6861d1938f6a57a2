/** Rows of `user_connections`, alone or joined with the credential's state in `tokens`. */
import { z } from 'zod';
import type { UserConnectionRecord, UserConnectionView } from '../user-connection-store';
import { checkRecord, IdSchema, NullableString, parseRow, TimestampSchema } from './common';

export const UserConnectionRecordSchema = z.object({
  linkId: IdSchema,
  subject: z.string().min(1).max(255),
  remoteUsername: z.string().max(1024).nullable(),
  remoteDisplayName: z.string().max(1024).nullable(),
  connectedAt: TimestampSchema,
  disconnectedAt: TimestampSchema.nullable(),
  disconnectedBy: z.string().max(300).nullable(),
}) satisfies z.ZodType<UserConnectionRecord>;

const RowSchema = z.object({
  link_id: IdSchema,
  subject: z.string(),
  remote_username: NullableString,
  remote_display_name: NullableString,
  connected_at: TimestampSchema,
  disconnected_at: TimestampSchema.nullable(),
  disconnected_by: NullableString,
  token_state: z.enum(['valid', 'needs-reauthorization']).nullable().optional(),
  token_expires_at: TimestampSchema.nullable().optional(),
  token_last_error_code: NullableString.optional(),
});

export const USER_CONNECTION_COLUMNS = `u.link_id, u.subject, u.remote_username, u.remote_display_name, u.connected_at, u.disconnected_at, u.disconnected_by,
  t.state AS token_state, t.expires_at AS token_expires_at, t.last_error_code AS token_last_error_code`;
export const USER_CONNECTION_FROM = 'user_connections u LEFT JOIN tokens t ON t.link_id = u.link_id AND t.subject = u.subject';

export function checkUserConnection(record: UserConnectionRecord): UserConnectionRecord {
  return checkRecord(UserConnectionRecordSchema, record, 'user connection');
}

export function userConnectionFromRow(row: unknown): UserConnectionView {
  const r = parseRow(RowSchema, row, 'user_connections');
  return {
    linkId: r.link_id,
    subject: r.subject,
    remoteUsername: r.remote_username,
    remoteDisplayName: r.remote_display_name,
    connectedAt: r.connected_at,
    disconnectedAt: r.disconnected_at,
    disconnectedBy: r.disconnected_by,
    token: r.token_state == null || r.token_expires_at == null ? null : { state: r.token_state, expiresAt: r.token_expires_at, lastErrorCode: r.token_last_error_code ?? null },
  };
}

/** The row's columns in insert order. */
export function userConnectionParams(record: UserConnectionRecord): unknown[] {
  const r = checkUserConnection(record);
  return [r.linkId, r.subject, r.remoteUsername, r.remoteDisplayName, r.connectedAt, r.disconnectedAt, r.disconnectedBy];
}
