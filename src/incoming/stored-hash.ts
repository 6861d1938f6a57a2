import { z } from 'zod';
import { SecretHashSchema } from './secret-hash';

/** A client secret's hash as kvs's secret store keeps it, with the generation it was issued for. */
export const StoredHashSchema = SecretHashSchema.extend({ generation: z.number().int().positive() });
