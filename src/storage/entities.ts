/**
 * The Custom Entity Store entities the app declares in manifest.yml (`app.storage.entities`), in
 * one place: the in-memory double honours exactly these indexes, and a test checks that the
 * manifest declares the same. Entities and attributes cannot be deleted once deployed: add only.
 */
export interface EntityDeclaration {
  name: string;
  attributes: Record<string, { type: 'string' | 'integer' | 'float' | 'boolean' | 'any' }>;
  indexes?: { name: string; range: string[]; partition?: string[] }[];
}

export const ENTITIES = {
  /** The cloud side of one link, listed by name through `by-name`. */
  link: {
    name: 'applink',
    attributes: {
      /** Lower-cased name, a tab and the id: the list's order, unique per link. */
      sortName: { type: 'string' },
      /** Checked by every write (conditional transaction), so a stale writer fails instead of overwriting. */
      version: { type: 'integer' },
      record: { type: 'any' },
    },
    indexes: [{ name: 'by-name', range: ['sortName'] }],
  },
  /** The number of links, kept in the same transactions that create and delete them (the store has no count). */
  linkStats: {
    name: 'applink-stats',
    attributes: {
      links: { type: 'integer' },
      version: { type: 'integer' },
    },
  },
  /**
   * One per live incoming client (client ID as the key), listed per link through `by-link`. It is
   * written in the same conditional transaction as its link, so it exists exactly while the link
   * names it: deleting the link or revoking the client deletes it, re-issuing bumps `generation`.
   */
  incomingClient: {
    name: 'incoming-client',
    attributes: {
      linkId: { type: 'string' },
      /** Tokens carry the generation they were minted for; only the stored one is live. */
      generation: { type: 'integer' },
      /** Checked by every write, like the link's. */
      version: { type: 'integer' },
      record: { type: 'any' },
    },
    indexes: [{ name: 'by-link', partition: ['linkId'], range: ['generation'] }],
  },
} as const satisfies Record<string, EntityDeclaration>;
