/** The shape of `Migration` in `migrations.ts` (not imported: that file imports this one). */
interface Migration {
  readonly id: string;
  readonly sql: string;
}

/**
 * Forecasts and alerts (ids 0020-0029), kept apart from `migrations.ts` so that branches adding
 * tables at the same time append to different files. Additive only: an older replica keeps
 * working on this schema (it never reads these tables, and `tokens.refresh_expires_at` is a
 * nullable column it leaves null).
 *
 * - `link_certificates` (0020): the remote's TLS certificate expiry, as the last check read it.
 * - `expiry_announcements` (0021): which `link.expiring` thresholds were announced; the primary
 *   key is the claim, so two replicas scanning at once announce a threshold once.
 * - `tokens.refresh_expires_at` (0022): `refresh_token_expires_in` when the provider states it.
 * - `webhook_endpoints` / `webhook_deliveries` (0023): where alerts go and the persisted delivery
 *   queue (one row per event per endpoint, unique on both, leased while one replica sends it).
 *   The signing secret is a vault secret under `webhookOwnerId(id)`, never a column here.
 */
export const ALERTS_SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    id: '0020_link_certificates',
    sql: `
      CREATE TABLE link_certificates (
        link_id     TEXT NOT NULL PRIMARY KEY REFERENCES links (id) ON DELETE CASCADE,
        host        TEXT NOT NULL,
        valid_to    TEXT NOT NULL,
        observed_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    id: '0021_expiry_announcements',
    sql: `
      CREATE TABLE expiry_announcements (
        link_id        TEXT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        kind           TEXT NOT NULL,
        expires_at     TEXT NOT NULL,
        threshold_days INTEGER NOT NULL,
        announced_at   TEXT NOT NULL,
        PRIMARY KEY (link_id, kind, expires_at, threshold_days)
      ) STRICT;
    `,
  },
  {
    id: '0022_token_refresh_expiry',
    sql: `ALTER TABLE tokens ADD COLUMN refresh_expires_at TEXT;`,
  },
  {
    id: '0023_webhooks',
    sql: `
      CREATE TABLE webhook_endpoints (
        id          TEXT NOT NULL PRIMARY KEY,
        url         TEXT NOT NULL,
        description TEXT,
        events      TEXT NOT NULL CHECK (json_valid(events)),
        created_at  TEXT NOT NULL
      ) STRICT;
      CREATE TABLE webhook_deliveries (
        id               TEXT NOT NULL PRIMARY KEY,
        endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id         TEXT NOT NULL,
        event_type       TEXT NOT NULL,
        payload          TEXT NOT NULL CHECK (json_valid(payload)),
        status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts         INTEGER NOT NULL CHECK (attempts >= 0),
        next_attempt_at  TEXT NOT NULL,
        lease_until      TEXT,
        last_attempt_at  TEXT,
        last_status_code INTEGER,
        last_error_code  TEXT,
        created_at       TEXT NOT NULL,
        delivered_at     TEXT,
        UNIQUE (endpoint_id, event_id)
      ) STRICT;
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
      CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
    `,
  },
];

export const ALERTS_POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    id: '0020_link_certificates',
    sql: `
      CREATE TABLE link_certificates (
        link_id     text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES links (id) ON DELETE CASCADE,
        host        text NOT NULL,
        valid_to    text COLLATE "C" NOT NULL,
        observed_at text COLLATE "C" NOT NULL
      );
    `,
  },
  {
    id: '0021_expiry_announcements',
    sql: `
      CREATE TABLE expiry_announcements (
        link_id        text COLLATE "C" NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        kind           text COLLATE "C" NOT NULL,
        expires_at     text COLLATE "C" NOT NULL,
        threshold_days integer NOT NULL,
        announced_at   text COLLATE "C" NOT NULL,
        PRIMARY KEY (link_id, kind, expires_at, threshold_days)
      );
    `,
  },
  {
    id: '0022_token_refresh_expiry',
    sql: `ALTER TABLE tokens ADD COLUMN refresh_expires_at text COLLATE "C";`,
  },
  {
    id: '0023_webhooks',
    sql: `
      CREATE TABLE webhook_endpoints (
        id          text COLLATE "C" NOT NULL PRIMARY KEY,
        url         text NOT NULL,
        description text,
        events      jsonb NOT NULL,
        created_at  text COLLATE "C" NOT NULL
      );
      CREATE TABLE webhook_deliveries (
        id               text COLLATE "C" NOT NULL PRIMARY KEY,
        endpoint_id      text COLLATE "C" NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id         text COLLATE "C" NOT NULL,
        event_type       text COLLATE "C" NOT NULL,
        payload          jsonb NOT NULL,
        status           text COLLATE "C" NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts         integer NOT NULL CHECK (attempts >= 0),
        next_attempt_at  text COLLATE "C" NOT NULL,
        lease_until      text COLLATE "C",
        last_attempt_at  text COLLATE "C",
        last_status_code integer,
        last_error_code  text,
        created_at       text COLLATE "C" NOT NULL,
        delivered_at     text COLLATE "C",
        UNIQUE (endpoint_id, event_id)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
      CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
    `,
  },
];
