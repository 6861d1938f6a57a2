/** Rows of `secrets` (vault ciphertext with its data-key version) and of `vault_keys` (wrapped data keys). */
import { z } from 'zod';
import type { SealedSecret, SecretRow, VaultKeyRow } from '../store';
import { CountSchema, parseRow, TimestampSchema, VersionSchema } from './common';

export const SealedSecretRowSchema = z.object({ key_version: VersionSchema, ciphertext: z.string() });
export const SecretRowSchema = SealedSecretRowSchema.extend({ owner_id: z.string(), field: z.string() });
export const VaultKeyRowSchema = z.object({
  version: VersionSchema,
  master_key_id: z.string(),
  wrapped_key: z.string(),
  created_at: TimestampSchema,
});
const KeyVersionCountSchema = z.object({ key_version: VersionSchema, count: CountSchema });

export function sealedFromRow(row: unknown): SealedSecret {
  const { key_version, ciphertext } = parseRow(SealedSecretRowSchema, row, 'secrets');
  return { keyVersion: key_version, ciphertext };
}

export function secretFromRow(row: unknown): SecretRow {
  const { owner_id, field, key_version, ciphertext } = parseRow(SecretRowSchema, row, 'secrets');
  return { ownerId: owner_id, field, keyVersion: key_version, ciphertext };
}

export function keyVersionCountFromRow(row: unknown): [version: number, count: number] {
  const { key_version, count } = parseRow(KeyVersionCountSchema, row, 'secrets');
  return [key_version, count];
}

export function versionFromRow(row: unknown): number {
  return parseRow(z.object({ version: VersionSchema }), row, 'vault_keys').version;
}

export function vaultKeyFromRow(row: unknown): VaultKeyRow {
  const { version, master_key_id, wrapped_key, created_at } = parseRow(VaultKeyRowSchema, row, 'vault_keys');
  return { version, masterKeyId: master_key_id, wrappedKey: wrapped_key, createdAt: created_at };
}

export function checkVaultKeyRow(row: VaultKeyRow): void {
  if (!VersionSchema.safeParse(row.version).success) throw new TypeError('A vault key version must be a non-negative 32-bit integer');
  if (!TimestampSchema.safeParse(row.createdAt).success) throw new TypeError('A vault key createdAt must be a UTC timestamp as Date#toISOString() writes it');
}
