/** Rows of `consumers`: DC-side programs and the hash of their API key. */
import { z } from 'zod';
import type { ConsumerRecord } from '../store';
import { checkRecord, IdSchema, JsonTextSchema, parseRow, TimestampSchema } from './common';


export const ConsumerRecordSchema = z.object({
  id: IdSchema,
  name: z.string(),
  keyHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest in lower-case hex'),
  linkIds: z.array(IdSchema),
  createdAt: TimestampSchema,
}) satisfies z.ZodType<ConsumerRecord>;

export const ConsumerRowSchema = z.object({
  id: IdSchema,
  name: z.string(),
  key_hash: z.string(),
  link_ids: JsonTextSchema.pipe(z.array(IdSchema)),
  created_at: TimestampSchema,
});

export interface ConsumerColumns {
  id: string;
  name: string;
  keyHash: string;
  /** JSON text. */
  linkIds: string;
  createdAt: string;
}

export function toConsumerColumns(record: ConsumerRecord): ConsumerColumns {
  const parsed = checkRecord(ConsumerRecordSchema, record, 'consumer record');
  return { ...parsed, linkIds: JSON.stringify(parsed.linkIds) };
}

export function consumerFromRow(row: unknown): ConsumerRecord {
  const { id, name, key_hash, link_ids, created_at } = parseRow(ConsumerRowSchema, row, 'consumers');
  return { id, name, keyHash: key_hash, linkIds: link_ids, createdAt: created_at };
}
