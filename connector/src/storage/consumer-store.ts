/** A DC-side program allowed to read tokens of some links. Only a hash of its API key is kept. */
export interface ConsumerRecord {
  id: string;
  name: string;
  /** SHA-256 (hex) of the key's secret part; the key has 256 bits of entropy, so no salt is needed. */
  keyHash: string;
  linkIds: string[];
  createdAt: string;
}

export interface ConsumerStore {
  create(record: ConsumerRecord): Promise<void>;
  get(id: string): Promise<ConsumerRecord | undefined>;
  list(): Promise<ConsumerRecord[]>;
  delete(id: string): Promise<boolean>;
}
