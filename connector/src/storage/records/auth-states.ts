/** Rows of `auth_states`: pending authorization requests, and what a request that was not consumed was. */
import { z } from 'zod';
import type { AuthStateRecord, ConsumeResult } from '../store';
import { checkRecord, IdSchema, parseRow, TimestampSchema } from './common';


export const AuthStateRecordSchema = z.object({
  id: IdSchema,
  linkId: IdSchema,
  subject: z.string(),
  createdAt: TimestampSchema,
  expiresAt: TimestampSchema,
  usedAt: TimestampSchema.nullable(),
}) satisfies z.ZodType<AuthStateRecord>;

export const AuthStateRowSchema = z.object({
  id: IdSchema,
  link_id: IdSchema,
  subject: z.string(),
  created_at: TimestampSchema,
  expires_at: TimestampSchema,
  used_at: TimestampSchema.nullable(),
});

export function checkAuthStateRecord(record: AuthStateRecord): AuthStateRecord {
  return checkRecord(AuthStateRecordSchema, record, 'authorization request');
}

export function authStateFromRow(row: unknown): AuthStateRecord {
  const { id, link_id, subject, created_at, expires_at, used_at } = parseRow(AuthStateRowSchema, row, 'auth_states');
  return { id, linkId: link_id, subject, createdAt: created_at, expiresAt: expires_at, usedAt: used_at };
}

/**
 * What a request that could not be consumed now was: used already (replayed; a request both used
 * and expired is reported as replayed, the more telling of the two), expired, or not there.
 */
export function notConsumed(record: AuthStateRecord | undefined, now: string): Exclude<ConsumeResult, { outcome: 'consumed' }> {
  if (record === undefined) return { outcome: 'unknown' };
  if (record.usedAt !== null) return { outcome: 'replayed', record };
  if (record.expiresAt <= now) return { outcome: 'expired', record };
  // Neither used nor expired, yet not consumable a moment ago: it was created since. Only a
  // guessed id can get here (ids are hashes of random states), so it is treated as one.
  return { outcome: 'unknown' };
}

export function idFromRow(row: unknown): string {
  return parseRow(z.object({ id: IdSchema }), row, 'auth_states').id;
}
