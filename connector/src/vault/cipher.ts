import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a fresh 96-bit IV per message (NIST SP 800-38D section 8.2.2: random IVs are
 * safe far beyond the number of secrets one connector will ever seal under one key).
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export interface GcmBox {
  iv: Buffer;
  /** Ciphertext followed by the 16-byte tag. */
  sealed: Buffer;
}

export function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): GcmBox {
  const iv = randomBytes(IV_BYTES);
  // Equivalent mutants (Stryker): `{}` instead of the tag-length option here and in gcmOpen. GCM's default
  // tag is 16 bytes, and gcmOpen always sets exactly the last TAG_BYTES as the tag. Kept to state the format.
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, sealed: Buffer.concat([body, cipher.getAuthTag()]) };
}

/** Throws when the tag does not verify: a tampered ciphertext, the wrong key, or the wrong AAD. */
export function gcmOpen(key: Buffer, box: GcmBox, aad: Buffer): Buffer {
  if (box.iv.length !== IV_BYTES || box.sealed.length < TAG_BYTES) throw new Error('malformed GCM box');
  const tag = box.sealed.subarray(box.sealed.length - TAG_BYTES);
  const body = box.sealed.subarray(0, box.sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, box.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}
