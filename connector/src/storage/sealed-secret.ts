/** A sealed secret as the vault produced it. */
export interface SealedSecret {
  keyVersion: number;
  ciphertext: string;
}
