/**
 * The schema, as an ordered list of migrations per dialect. Each adapter records the ids it has
 * applied in `schema_migrations` and applies the rest, in order, in one transaction. A migration is
 * never edited once released: change the schema by appending one.
 *
 * The two dialects keep the same tables, columns and constraints:
 * - `links`: the record's id, timestamps and version as columns (the list order and optimistic
 *   concurrency need them), everything else as one JSON document. Metadata only, never a secret.
 * - `vault_keys`: data keys wrapped by the master key.
 * - `secrets`: vault ciphertext per (owner_id, field). `key_version` references `vault_keys` with
 *   ON DELETE RESTRICT: a data key cannot be deleted while anything is sealed under it, and a secret
 *   sealed under a key that was deleted meanwhile cannot be written (the adapter reports
 *   STALE_KEY_VERSION). Key rotation's safety rests on this constraint.
 * - `settings`: small named JSON values.
 *
 * Timestamps are ISO 8601 text (see `TimestampSchema`); text columns compare bytewise in both
 * dialects (PostgreSQL columns use the "C" collation) so lists come back in the same order.
 */

export interface Migration {
  /** Sortable and unique; recorded in `schema_migrations`. */
  readonly id: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_initial',
    sql: `
      CREATE TABLE links (
        id         TEXT NOT NULL PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version    INTEGER NOT NULL,
        document   TEXT NOT NULL CHECK (json_valid(document))
      ) STRICT;
      CREATE INDEX links_created_at_id ON links (created_at, id);

      CREATE TABLE vault_keys (
        version       INTEGER NOT NULL PRIMARY KEY,
        master_key_id TEXT NOT NULL,
        wrapped_key   TEXT NOT NULL,
        created_at    TEXT NOT NULL
      ) STRICT;

      CREATE TABLE secrets (
        owner_id    TEXT NOT NULL,
        field       TEXT NOT NULL,
        key_version INTEGER NOT NULL REFERENCES vault_keys (version) ON DELETE RESTRICT,
        ciphertext  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (owner_id, field)
      ) STRICT;
      CREATE INDEX secrets_key_version ON secrets (key_version);

      CREATE TABLE settings (
        key   TEXT NOT NULL PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT;
    `,
  },
];

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_initial',
    sql: `
      CREATE TABLE links (
        id         text COLLATE "C" NOT NULL PRIMARY KEY,
        created_at text COLLATE "C" NOT NULL,
        updated_at text COLLATE "C" NOT NULL,
        version    integer NOT NULL,
        document   jsonb NOT NULL
      );
      CREATE INDEX links_created_at_id ON links (created_at, id);

      CREATE TABLE vault_keys (
        version       integer NOT NULL PRIMARY KEY,
        master_key_id text NOT NULL,
        wrapped_key   text NOT NULL,
        created_at    text COLLATE "C" NOT NULL
      );

      CREATE TABLE secrets (
        owner_id    text COLLATE "C" NOT NULL,
        field       text COLLATE "C" NOT NULL,
        key_version integer NOT NULL REFERENCES vault_keys (version) ON DELETE RESTRICT,
        ciphertext  text NOT NULL,
        updated_at  text COLLATE "C" NOT NULL,
        PRIMARY KEY (owner_id, field)
      );
      CREATE INDEX secrets_key_version ON secrets (key_version);

      CREATE TABLE settings (
        key   text COLLATE "C" NOT NULL PRIMARY KEY,
        value jsonb NOT NULL
      );
    `,
  },
];

/** The migrations of `all` not yet in `applied`, in order. */
export function pendingMigrations(all: readonly Migration[], applied: ReadonlySet<string>): Migration[] {
  return all.filter((migration) => !applied.has(migration.id));
}
