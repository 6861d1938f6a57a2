import { z } from 'zod';
import { SecretHashSchema } from './secret-hash';

/**
 * A client secret's hash as kvs's secret store keeps it, with the generation it was issued for
 * and, when the admin set one, when it stops working (absent in hashes stored before).
 */
export const StoredHashSchema = SecretHashSchema.extend({ generation: z.number().int().positive(), expiresAt: z.string().nullable().optional() });
