import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CloudIncomingScopeSchema } from '../../contract';
import type { KeyValueStore } from '../storage/key-value-store';
import { KEYS, SECRET_KEYS } from '../storage/keys';
import type { LinkRepository } from '../storage/link-repository';
import { StoredHashSchema } from './stored-hash';

const LegacyLookupSchema = z.object({ linkId: z.string(), generation: z.number().int().positive(), scopes: z.array(CloudIncomingScopeSchema) });
/** A link changing under the sweep makes it look again; this often at most. */
const ATTEMPTS = 5;

export interface SweepResult {
  /** Clients their link still names at their generation: moved to the entity store, secret and tokens unchanged. */
  migrated: number;
  /** Orphans: the link is gone, names another client, or a newer generation. Deleted, so they and their tokens stop working. */
  retired: number;
}

/**
 * The one-time sweep after the upgrade to clients in the Custom Entity Store. Before it, a client
 * lived at kvs `incoming-client:<id>` with its hash at `incoming-secret:<id>`, both written by plain
 * overwrite, and concurrent admin calls could leave clients whose link was deleted or re-issued
 * still able to obtain tokens (issue 17). Every such lookup record is read: the one its link still
 * names at its generation moves into the entity (in a transaction conditioned on the link's
 * version), every other is retired; then the old keys are deleted. Tokens are checked against the
 * entity, so retiring a client retires its tokens too.
 */
export async function sweepLegacyClients(deps: { store: KeyValueStore; links: LinkRepository }): Promise<SweepResult> {
  const result: SweepResult = { migrated: 0, retired: 0 };
  const legacy: { clientId: string; value: unknown }[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.query(KEYS.legacyIncomingClientPrefix, { cursor });
    for (const item of page.items) legacy.push({ clientId: item.key.slice(KEYS.legacyIncomingClientPrefix.length), value: item.value });
    cursor = page.nextCursor;
  } while (cursor !== undefined);

  for (const { clientId, value } of legacy) {
    if (await migrate(deps, clientId, value)) result.migrated += 1;
    else result.retired += 1;
    // The lookup first: without it nothing could authenticate as this client any more.
    await deps.store.delete(KEYS.legacyIncomingClient(clientId));
    await deps.store.deleteSecret(SECRET_KEYS.legacyIncomingSecretHash(clientId));
  }
  return result;
}

/** True when the client is (now) in the entity store because its link names it. */
async function migrate(deps: { store: KeyValueStore; links: LinkRepository }, clientId: string, value: unknown): Promise<boolean> {
  const lookup = LegacyLookupSchema.safeParse(value);
  if (!lookup.success) return false;
  const hash = StoredHashSchema.safeParse(await deps.store.getSecret(SECRET_KEYS.legacyIncomingSecretHash(clientId)));
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const link = await deps.links.get(lookup.data.linkId);
    const named = link?.incoming;
    if (link === undefined || named == null || named.clientId !== clientId) return false;
    // Already moved (another instance sweeping, or a re-issue after the upgrade): the entity is the truth.
    if ((await deps.links.client(clientId)) !== undefined) return true;
    if (named.generation !== lookup.data.generation || !hash.success || hash.data.generation !== named.generation) return false;
    const secretId = randomBytes(12).toString('hex');
    await deps.store.setSecret(SECRET_KEYS.incomingSecretHash(clientId, secretId), hash.data);
    const adopted = await deps.links.adoptClient(link, { clientId, linkId: link.id, generation: named.generation, scopes: named.scopes, secretId, issuedAt: named.issuedAt });
    if (adopted) return true;
    await deps.store.deleteSecret(SECRET_KEYS.incomingSecretHash(clientId, secretId));
  }
  return false;
}
