import { z } from 'zod';
import { CloudIncomingScopeSchema, type CloudIncomingScope } from '../../contract';
import { ENTITIES } from './entities';
import { KVS_LIMITS, StorageError, type EntityOperation, type KeyValueStore } from './key-value-store';

const CLIENT = ENTITIES.incomingClient.name;

const ClientEntitySchema = z.object({
  linkId: z.string(),
  generation: z.number().int().positive(),
  version: z.number().int().positive(),
  record: z.object({
    scopes: z.array(CloudIncomingScopeSchema),
    /** Names the key of the current secret's hash (`SECRET_KEYS.incomingSecretHash`). */
    secretId: z.string(),
    issuedAt: z.string(),
  }),
});

/** One live incoming client, as the `incoming-client` entity holds it. */
export interface ClientRecord {
  clientId: string;
  linkId: string;
  generation: number;
  /** The stored version: a write is conditioned on it. */
  version: number;
  scopes: CloudIncomingScope[];
  secretId: string;
  issuedAt: string;
}

/**
 * The incoming clients in the Custom Entity Store. Reads parse; writes are not run here but
 * returned as transaction operations, so that a client is only ever written in the same
 * conditional transaction as its link (`LinkRepository.save` and `remove`): neither can change
 * without the other, whatever runs concurrently.
 */
export class IncomingClientRecords {
  constructor(private readonly store: KeyValueStore) {}

  async get(clientId: string): Promise<ClientRecord | undefined> {
    return recordOf(clientId, await this.store.getEntity(CLIENT, clientId));
  }

  /** Every client stored for a link (after the sweep, at most one), oldest generation first. */
  async ofLink(linkId: string): Promise<ClientRecord[]> {
    const out: ClientRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.queryEntity(CLIENT, { index: 'by-link', partition: [linkId], limit: KVS_LIMITS.entityPageSize, cursor });
      for (const item of page.items) {
        const record = recordOf(item.key, item.value);
        if (record !== undefined) out.push(record);
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return out;
  }

  /** Writes `next` only if the stored client is still `previous` (or, without one, that none exists yet). */
  put(next: Omit<ClientRecord, 'version'>, previous: ClientRecord | undefined): EntityOperation {
    return {
      kind: 'set',
      entity: CLIENT,
      key: next.clientId,
      value: {
        linkId: next.linkId,
        generation: next.generation,
        version: (previous?.version ?? 0) + 1,
        record: { scopes: next.scopes, secretId: next.secretId, issuedAt: next.issuedAt },
      },
      condition: previous === undefined ? { attribute: 'version', exists: false } : { attribute: 'version', equals: previous.version },
    };
  }

  /** Deletes the client only if it is still the one read. */
  remove(client: ClientRecord): EntityOperation {
    return { kind: 'delete', entity: CLIENT, key: client.clientId, condition: { attribute: 'version', equals: client.version } };
  }
}

function recordOf(clientId: string, value: unknown): ClientRecord | undefined {
  if (value === undefined) return undefined;
  const parsed = ClientEntitySchema.safeParse(value);
  if (!parsed.success) throw new StorageError('INVALID_VALUE', `The incoming client ${clientId} is not in the expected shape.`, { cause: parsed.error });
  const { linkId, generation, version, record } = parsed.data;
  return { clientId, linkId, generation, version, ...record };
}
