import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CloudIncomingScopeSchema, type CloudIncomingScope } from '../../contract';
import { StorageError, type KeyValueStore } from '../storage/key-value-store';
import { KEYS, SECRET_KEYS } from '../storage/keys';
import { hashSecret, randomSecret, SecretHashSchema, verifySecret } from './secret-hash';

/** What the token endpoint needs to know about a client, by client ID. */
const ClientLookupSchema = z.object({
  linkId: z.string(),
  generation: z.number().int().positive(),
  scopes: z.array(CloudIncomingScopeSchema),
});
export type IncomingClient = z.infer<typeof ClientLookupSchema> & { clientId: string };

const StoredHashSchema = SecretHashSchema.extend({ generation: z.number().int().positive() });

/** Verifying against this when the client ID is unknown keeps the answer's timing the same. */
const DECOY_HASH = hashSecret(randomSecret());
/**
 * Read in place of a malformed client ID: well formed, random per process, so no client has it
 * (IDs are 16 random bytes) and the malformed path costs the same two reads as any other.
 */
const DECOY_CLIENT_ID = randomBytes(16).toString('hex');
const CLIENT_ID = /^[0-9a-f]{32}$/;

/**
 * The credentials this site issues to remotes: a client ID (public, kept in the link record and
 * in a lookup record), and a secret returned once and kept only as a salted hash in kvs's
 * encrypted store. Issuing again keeps the client ID, replaces the secret and bumps the
 * generation, which retires every token issued before.
 */
export class IncomingClients {
  constructor(private readonly store: KeyValueStore) {}

  async issue(linkId: string, scopes: CloudIncomingScope[], previous: { clientId: string; generation: number } | null): Promise<{ clientId: string; clientSecret: string; generation: number }> {
    const clientId = previous?.clientId ?? randomBytes(16).toString('hex');
    const generation = (previous?.generation ?? 0) + 1;
    const clientSecret = randomSecret();
    // The hash first: the lookup record is what makes the client usable.
    await this.store.setSecret(SECRET_KEYS.incomingSecretHash(clientId), { ...hashSecret(clientSecret), generation });
    await this.store.set(KEYS.incomingClient(clientId), { linkId, generation, scopes });
    return { clientId, clientSecret, generation };
  }

  async updateScopes(clientId: string, scopes: CloudIncomingScope[]): Promise<void> {
    const current = await this.find(clientId);
    if (current === undefined) return;
    await this.store.set(KEYS.incomingClient(clientId), { linkId: current.linkId, generation: current.generation, scopes });
  }

  async find(clientId: string): Promise<IncomingClient | undefined> {
    if (!CLIENT_ID.test(clientId)) return undefined;
    return lookupOf(clientId, await this.store.get(KEYS.incomingClient(clientId)));
  }

  /**
   * The client, when `clientSecret` is its current secret.
   *
   * Whether the client exists must not show in the time the answer takes: every call reads the
   * lookup record and the secret hash (of a decoy ID when the given one is malformed) and computes
   * one HMAC, whatever it finds. Reading the hash only for a known client made unknown IDs answer
   * one storage read faster.
   */
  async authenticate(clientId: string, clientSecret: string): Promise<IncomingClient | undefined> {
    const wellFormed = CLIENT_ID.test(clientId);
    const id = wellFormed ? clientId : DECOY_CLIENT_ID;
    const [lookup, hash] = await Promise.all([this.store.get(KEYS.incomingClient(id)), this.store.getSecret(SECRET_KEYS.incomingSecretHash(id))]);
    const client = wellFormed ? lookupOf(clientId, lookup) : undefined;
    const stored = StoredHashSchema.safeParse(hash);
    const matches = verifySecret(clientSecret, stored.success ? stored.data : DECOY_HASH);
    return client !== undefined && stored.success && matches && stored.data.generation === client.generation ? client : undefined;
  }

  async remove(clientId: string): Promise<void> {
    // The lookup first: without it the client cannot authenticate and its tokens stop working.
    await this.store.delete(KEYS.incomingClient(clientId));
    await this.store.deleteSecret(SECRET_KEYS.incomingSecretHash(clientId));
  }
}

function lookupOf(clientId: string, value: unknown): IncomingClient | undefined {
  if (value === undefined) return undefined;
  const parsed = ClientLookupSchema.safeParse(value);
  if (!parsed.success) throw new StorageError('INVALID_VALUE', `The incoming client ${clientId} is not in the expected shape.`, { cause: parsed.error });
  return { ...parsed.data, clientId };
}
