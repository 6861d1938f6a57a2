import { z } from 'zod';

/**
 * Text a database can keep. PostgreSQL refuses NUL (U+0000) in text and jsonb, and a UTF-16
 * surrogate without its pair cannot be encoded as UTF-8 at all; SQLite takes both. Refusing them
 * at the edge makes both stores answer the same: a 400, never a 500 from the database.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const STORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/** The one refinement every free-text field of the contract goes through. */
export function storableText<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine(isStorableText, STORABLE_TEXT_MESSAGE);
}
