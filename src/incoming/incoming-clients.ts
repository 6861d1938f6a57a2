import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CloudIncomingScope } from '../../contract';
import { errorFields, type Logger } from '../logger';
import type { ClientRecord } from '../storage/incoming-client-records';
import type { KeyValueStore } from '../storage/key-value-store';
import { KEYS, SECRET_KEYS } from '../storage/keys';
import type { LinkRepository } from '../storage/link-repository';
import { sweepLegacyClients } from './incoming-sweep';
import { hashSecret, randomSecret, verifySecret } from './secret-hash';
import { StoredHashSchema } from './stored-hash';

/** What the token endpoint needs to know about a client, by client ID. */
export interface IncomingClient {
  clientId: string;
  linkId: string;
  generation: number;
  scopes: CloudIncomingScope[];
}


const LastUsedSchema = z.object({ at: z.string() });
/** Last use is kept as long as a refresh token lives: older than that, the client is idle anyway. */
const LAST_USED_SECONDS = 90 * 86400;

/** Verifying against this when the client ID is unknown keeps the answer's timing the same. */
const DECOY_HASH = hashSecret(randomSecret());
/**
 * Read in place of an unknown or malformed client: well formed, random per process, so no client
 * has it (IDs are 16 random bytes) and every path costs one entity read, one secret read and one HMAC.
 */
const DECOY_CLIENT_ID = randomBytes(16).toString('hex');
const DECOY_SECRET_ID = randomBytes(16).toString('hex');
const CLIENT_ID = /^[0-9a-f]{32}$/;

/**
 * The credentials this site issues to remotes: a client ID (public, in the link record and in an
 * `incoming-client` entity) and a secret returned once and kept only as a salted hash in kvs's
 * encrypted store, under a key of its own (`secretId`).
 *
 * This class authenticates and makes secrets; it never writes a client. Clients are written only
 * in their link's conditional transactions (`LinkRepository`), so a client exists exactly while
 * its link names it, at the generation the link names: tokens minted for any other generation,
 * or for a client that is gone, fail every check.
 */
export class IncomingClients {
  private swept: Promise<void> | undefined;

  constructor(private readonly deps: { store: KeyValueStore; links: LinkRepository; now: () => Date; logger: Logger }) {}

  newClientId(): string {
    return randomBytes(16).toString('hex');
  }

  /**
   * A new secret and its hash under a fresh key. Nothing accepts it until a link transaction
   * names its `secretId`; a caller whose transaction fails discards it.
   */
  async newSecret(clientId: string, generation: number, expiresAt: string | null = null): Promise<{ clientSecret: string; secretId: string }> {
    const clientSecret = randomSecret();
    const secretId = randomBytes(12).toString('hex');
    await this.deps.store.setSecret(SECRET_KEYS.incomingSecretHash(clientId, secretId), { ...hashSecret(clientSecret), generation, ...(expiresAt === null ? {} : { expiresAt }) });
    return { clientSecret, secretId };
  }

  /** Deletes a hash no client names any more (a lost race, a re-issue, a revoke): tidiness, since nothing reads it. */
  async discardSecret(clientId: string, secretId: string): Promise<void> {
    try {
      await this.deps.store.deleteSecret(SECRET_KEYS.incomingSecretHash(clientId, secretId));
    } catch (error) {
      this.deps.logger.warn('Could not delete a retired secret hash', { clientId, ...errorFields(error) });
    }
  }

  /** Cleans up after a client its link transaction deleted. */
  async forget(client: ClientRecord): Promise<void> {
    await this.discardSecret(client.clientId, client.secretId);
    await this.deps.store.delete(KEYS.incomingClientUsed(client.clientId)).catch(() => undefined);
  }

  async find(clientId: string): Promise<IncomingClient | undefined> {
    await this.ready();
    if (!CLIENT_ID.test(clientId)) return undefined;
    const record = await this.deps.links.client(clientId);
    return record === undefined ? undefined : lookupOf(record);
  }

  /**
   * The client, when `clientSecret` is its current secret.
   *
   * Whether the client exists must not show in the time the answer takes: every call reads one
   * client entity and one secret hash (a decoy's when the client is unknown or the ID malformed)
   * and computes one HMAC, whatever it finds.
   */
  async authenticate(clientId: string, clientSecret: string): Promise<IncomingClient | undefined> {
    await this.ready();
    const wellFormed = CLIENT_ID.test(clientId);
    const record = await this.deps.links.client(wellFormed ? clientId : DECOY_CLIENT_ID);
    const hashKey = record === undefined ? SECRET_KEYS.incomingSecretHash(DECOY_CLIENT_ID, DECOY_SECRET_ID) : SECRET_KEYS.incomingSecretHash(record.clientId, record.secretId);
    const stored = StoredHashSchema.safeParse(await this.deps.store.getSecret(hashKey));
    const matches = verifySecret(clientSecret, stored.success ? stored.data : DECOY_HASH);
    // An expired secret is refused like a wrong one (invalid_client), after the same work.
    const expiresAt = stored.success ? stored.data.expiresAt : null;
    const expired = expiresAt !== null && expiresAt !== undefined && Date.parse(expiresAt) <= this.deps.now().getTime();
    return wellFormed && record !== undefined && stored.success && matches && !expired && stored.data.generation === record.generation ? lookupOf(record) : undefined;
  }

  /** Notes that the client obtained tokens (shown to admins); plain write, so it never races with admin changes. */
  async recordUse(clientId: string): Promise<void> {
    try {
      await this.deps.store.set(KEYS.incomingClientUsed(clientId), { at: this.deps.now().toISOString() }, { ttlSeconds: LAST_USED_SECONDS });
    } catch (error) {
      // The tokens are already issued: a missed note of their use is no reason to fail the request.
      this.deps.logger.warn('Could not record the use of an incoming client', { clientId, ...errorFields(error) });
    }
  }

  async lastUsed(clientId: string): Promise<string | null> {
    const parsed = LastUsedSchema.safeParse(await this.deps.store.get(KEYS.incomingClientUsed(clientId)));
    return parsed.success ? parsed.data.at : null;
  }

  /**
   * Runs the one-time sweep of clients stored the old way (before this installation's upgrade)
   * before anything reads or writes a client; once per warm instance, to look for its marker.
   */
  ready(): Promise<void> {
    this.swept ??= (async () => {
      if ((await this.deps.store.get(KEYS.incomingSweepDone)) !== undefined) return;
      const result = await sweepLegacyClients({ store: this.deps.store, links: this.deps.links });
      await this.deps.store.set(KEYS.incomingSweepDone, { at: this.deps.now().toISOString(), ...result });
      if (result.migrated + result.retired > 0) this.deps.logger.info('Swept incoming clients stored before the upgrade', { migrated: result.migrated, retired: result.retired });
    })().catch((error: unknown) => {
      this.swept = undefined;
      throw error;
    });
    return this.swept;
  }
}

function lookupOf(record: ClientRecord): IncomingClient {
  return { clientId: record.clientId, linkId: record.linkId, generation: record.generation, scopes: record.scopes };
}
