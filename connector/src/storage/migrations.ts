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
 * - `tokens` (0002): one row per credential (link, subject) with the token record's metadata; the
 *   tokens themselves are secrets under `tokenOwnerId(linkId, subject)`, so key rotation re-wraps
 *   them like any other secret and the foreign key above guards them too. Indexed on
 *   (state, refresh_at) for the refresh scheduler.
 * - `auth_states` (0003): pending authorization requests; the PKCE verifier is a secret under
 *   `authStateOwnerId(id)`.
 * - `consumers` (0004): DC-side programs, with only the hash of their API key.
 * - `link_checks`, `link_health_hours`, `link_health_failures`, `link_transitions` (0010):
 *   scheduled checks and health history (`health-migrations.ts`, `health-store.ts`).
 *
 * `tokens` and `auth_states` reference `links` with ON DELETE CASCADE. The adapters delete a link's
 * rows (and their secrets, which no foreign key can reach) themselves; the cascade is the backstop,
 * and the reference is what keeps a write for a link deleted meanwhile from leaving rows behind.
 *
 * Timestamps are ISO 8601 text (see `TimestampSchema`); text columns compare bytewise in both
 * dialects (PostgreSQL columns use the "C" collation) so lists come back in the same order.
 *
 * Rolling upgrades (README "Upgrades"): during an upgrade on PostgreSQL the previous release keeps
 * serving on the schema the new one migrated, so a migration only EXPANDS: new tables, indexes,
 * nullable columns or columns with a default, triggers that never refuse a write. No DROP, RENAME,
 * retype, SET NOT NULL, NOT NULL without a default, new constraint or unique index on an existing
 * table, DELETE or TRUNCATE. What the new version no longer needs is CONTRACTED one release later,
 * once no replica of the version that used it can still run. New link fields go into the JSON
 * document with a zod `.default(...)`; older replicas drop fields they do not know when they write
 * a link, and migration 0006 puts them back. `test/connector/storage/migration-rules.test.ts`
 * enforces this, and that released migrations (their SQL checksums are in its vectors) never change.
 */
import { KEEP_DOCUMENT_FIELDS_SQL } from './postgres/keep-document-fields';

import { ALERTS_POSTGRES_MIGRATIONS, ALERTS_SQLITE_MIGRATIONS } from './migrations-alerts';

import { POSTGRES_LINK_HEALTH, SQLITE_LINK_HEALTH } from './health-migrations';

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
  {
    id: '0002_tokens',
    sql: `
      CREATE TABLE tokens (
        link_id           TEXT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        subject           TEXT NOT NULL,
        token_type        TEXT NOT NULL,
        scopes            TEXT NOT NULL CHECK (json_valid(scopes)),
        obtained_at       TEXT NOT NULL,
        expires_at        TEXT NOT NULL,
        refresh_at        TEXT NOT NULL,
        has_refresh_token INTEGER NOT NULL CHECK (has_refresh_token IN (0, 1)),
        state             TEXT NOT NULL CHECK (state IN ('valid', 'needs-reauthorization')),
        failure_count     INTEGER NOT NULL CHECK (failure_count >= 0),
        next_attempt_at   TEXT,
        last_error_code   TEXT,
        updated_at        TEXT NOT NULL,
        PRIMARY KEY (link_id, subject)
      ) STRICT;
      CREATE INDEX tokens_state_refresh_at ON tokens (state, refresh_at);
    `,
  },
  {
    id: '0003_auth_states',
    sql: `
      CREATE TABLE auth_states (
        id         TEXT NOT NULL PRIMARY KEY,
        link_id    TEXT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        subject    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at    TEXT
      ) STRICT;
      CREATE INDEX auth_states_link_id ON auth_states (link_id);
      CREATE INDEX auth_states_created_at ON auth_states (created_at);
    `,
  },
  {
    id: '0004_consumers',
    sql: `
      CREATE TABLE consumers (
        id         TEXT NOT NULL PRIMARY KEY,
        name       TEXT NOT NULL,
        key_hash   TEXT NOT NULL,
        link_ids   TEXT NOT NULL CHECK (json_valid(link_ids)),
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX consumers_created_at_id ON consumers (created_at, id);
    `,
  },
  {
    // SQLite enforces foreign keys per connection, and only where PRAGMA foreign_keys is on: the
    // sqlite3 shell, a backup tool or a second driver instance leaves it off, and could retire a
    // data key that secrets still need (they would never open again). A trigger holds on every
    // connection.
    id: '0005_vault_key_in_use_guard',
    sql: `
      CREATE TRIGGER vault_keys_in_use BEFORE DELETE ON vault_keys
      WHEN EXISTS (SELECT 1 FROM secrets WHERE key_version = OLD.version)
      BEGIN
        SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: secrets are still sealed under this data key version');
      END;
    `,
  },
  SQLITE_LINK_HEALTH,
  ...ALERTS_SQLITE_MIGRATIONS,
  {
    // Per-user links (issue 13): who each user is on the remote, kept beside their account id,
    // and kept after a disconnect so consumers hear "disconnected" rather than "never connected".
    id: '0030_user_connections',
    sql: `
      CREATE TABLE user_connections (
        link_id             TEXT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        subject             TEXT NOT NULL,
        remote_username     TEXT,
        remote_display_name TEXT,
        connected_at        TEXT NOT NULL,
        disconnected_at     TEXT,
        disconnected_by     TEXT,
        PRIMARY KEY (link_id, subject)
      ) STRICT;
      CREATE INDEX user_connections_remote_username ON user_connections (link_id, remote_username);
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
  {
    id: '0002_tokens',
    sql: `
      CREATE TABLE tokens (
        link_id           text COLLATE "C" NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        subject           text COLLATE "C" NOT NULL,
        token_type        text NOT NULL,
        scopes            jsonb NOT NULL,
        obtained_at       text COLLATE "C" NOT NULL,
        expires_at        text COLLATE "C" NOT NULL,
        refresh_at        text COLLATE "C" NOT NULL,
        has_refresh_token boolean NOT NULL,
        state             text COLLATE "C" NOT NULL CHECK (state IN ('valid', 'needs-reauthorization')),
        failure_count     integer NOT NULL CHECK (failure_count >= 0),
        next_attempt_at   text COLLATE "C",
        last_error_code   text,
        updated_at        text COLLATE "C" NOT NULL,
        PRIMARY KEY (link_id, subject)
      );
      CREATE INDEX tokens_state_refresh_at ON tokens (state, refresh_at);
    `,
  },
  {
    id: '0003_auth_states',
    sql: `
      CREATE TABLE auth_states (
        id         text COLLATE "C" NOT NULL PRIMARY KEY,
        link_id    text COLLATE "C" NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        subject    text COLLATE "C" NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        expires_at text COLLATE "C" NOT NULL,
        used_at    text COLLATE "C"
      );
      CREATE INDEX auth_states_link_id ON auth_states (link_id);
      CREATE INDEX auth_states_created_at ON auth_states (created_at);
    `,
  },
  {
    id: '0004_consumers',
    sql: `
      CREATE TABLE consumers (
        id         text COLLATE "C" NOT NULL PRIMARY KEY,
        name       text NOT NULL,
        key_hash   text NOT NULL,
        link_ids   jsonb NOT NULL,
        created_at text COLLATE "C" NOT NULL
      );
      CREATE INDEX consumers_created_at_id ON consumers (created_at, id);
    `,
  },
  // After release 0.1.0: an older replica's link update keeps the fields it does not know.
  { id: '0006_links_keep_document_fields', sql: KEEP_DOCUMENT_FIELDS_SQL },
  POSTGRES_LINK_HEALTH,
  ...ALERTS_POSTGRES_MIGRATIONS,
  {
    id: '0030_user_connections',
    sql: `
      CREATE TABLE user_connections (
        link_id             text COLLATE "C" NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        subject             text COLLATE "C" NOT NULL,
        remote_username     text COLLATE "C",
        remote_display_name text,
        connected_at        text COLLATE "C" NOT NULL,
        disconnected_at     text COLLATE "C",
        disconnected_by     text,
        PRIMARY KEY (link_id, subject)
      );
      CREATE INDEX user_connections_remote_username ON user_connections (link_id, remote_username);
    `,
  },
];

/** The migrations of `all` not yet in `applied`, in order. */
export function pendingMigrations(all: readonly Migration[], applied: ReadonlySet<string>): Migration[] {
  return all.filter((migration) => !applied.has(migration.id));
}
