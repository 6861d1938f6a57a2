/**
 * What every entity's rows share: the text form of timestamps, versions and ids, JSON columns read
 * as text, and the two checks at the storage edge: records before they are written
 * (`checkRecord`) and rows after they are read (`parseRow`).
 */
import { z } from 'zod';

/**
 * Timestamps are stored as the text `Date#toISOString()` writes: fixed width and always UTC, so
 * ordering the text (both databases, byte order) is ordering by time, and the value read back is
 * exactly the value written.
 */
export const TimestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'must be a UTC timestamp as Date#toISOString() writes it');

export const NullableString = z.string().nullable();
export const VersionSchema = z.number().int().min(0).max(2 ** 31 - 1);
export const IdSchema = z.string().min(1);
/** PostgreSQL counts are bigint, which pg hands over as text; SQL casts them to int before they get here. */
export const CountSchema = z.number().int().min(0);
/** SQLite has no boolean type: the column holds 0 or 1 there, a boolean in PostgreSQL. */
export const BooleanColumnSchema = z.union([z.boolean(), z.literal(0), z.literal(1)]).transform((value) => value === true || value === 1);

/** JSON columns are read as text in both dialects (PostgreSQL: `column::text`), then parsed here. */
export const JsonTextSchema = z.string().transform((text, context): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    context.addIssue({ code: 'custom', message: 'is not JSON' });
    return z.NEVER;
  }
});

/** `record` as `schema` parses it, or a TypeError naming what is wrong, before anything is written. */
export function checkRecord<T>(schema: z.ZodType<T>, record: unknown, what: string): T {
  const parsed = schema.safeParse(record);
  if (!parsed.success) {
    // Paths and rules only: record fields are never copied into an error.
    const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');
    throw new TypeError(`The ${what} cannot be stored: ${where}`, { cause: parsed.error });
  }
  return parsed.data;
}

export function parseRow<T>(schema: z.ZodType<T>, row: unknown, table: string): T {
  const parsed = schema.safeParse(row);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`A row of ${table} does not have the expected shape (${where}); was the database changed by hand?`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export function countFromRow(row: unknown): number {
  return parseRow(z.object({ count: CountSchema }), row, 'a count').count;
}

/** A bound a caller passes to a query that compares timestamps as text: it must be the same text form. */
export function checkTimestamp(value: string, name: string): void {
  if (!TimestampSchema.safeParse(value).success) throw new TypeError(`${name} must be a UTC timestamp as Date#toISOString() writes it`);
}

export function checkKeyVersion(version: number): void {
  if (!VersionSchema.safeParse(version).success) throw new TypeError('A key version must be a non-negative 32-bit integer');
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
}
