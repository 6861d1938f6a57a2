/**
 * Migration 0010 (scheduled checks and health history, see `health-store.ts`), kept apart from
 * `migrations.ts` so that file stays one screenful per release; both lists include it in order.
 * The transition log has no foreign key to `links`: it is the audit of what happened and outlives
 * a deleted link. Everything else goes with its link.
 */
/** `Migration` of `migrations.ts`, spelled out so the two files do not import each other. */
interface Migration {
  readonly id: string;
  readonly sql: string;
}

export const SQLITE_LINK_HEALTH: Migration = {
    // Scheduled checks (health-store.ts): the schedule and health state per link, hourly buckets,
    // failures kept whole, and the transition log (no foreign key: it outlives a deleted link).
    id: '0010_link_health',
    sql: `
      CREATE TABLE link_checks (
        link_id              TEXT NOT NULL PRIMARY KEY REFERENCES links (id) ON DELETE CASCADE,
        next_due_at          TEXT,
        claim_id             TEXT,
        claimed_at           TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
        state                TEXT CHECK (state IN ('up', 'failing')),
        state_since          TEXT,
        failing_since        TEXT,
        last_checked_at      TEXT
      ) STRICT;
      CREATE INDEX link_checks_next_due_at ON link_checks (next_due_at);

      CREATE TABLE link_health_hours (
        link_id  TEXT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        hour     TEXT NOT NULL,
        checks   INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        stages   TEXT NOT NULL CHECK (json_valid(stages)),
        PRIMARY KEY (link_id, hour)
      ) STRICT;
      CREATE INDEX link_health_hours_hour ON link_health_hours (hour);

      CREATE TABLE link_health_failures (
        link_id TEXT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        at      TEXT NOT NULL,
        stage   TEXT NOT NULL,
        code    TEXT NOT NULL,
        message TEXT NOT NULL,
        hint    TEXT NOT NULL,
        ms      REAL NOT NULL
      ) STRICT;
      CREATE INDEX link_health_failures_link_at ON link_health_failures (link_id, at);
      CREATE INDEX link_health_failures_at ON link_health_failures (at);

      CREATE TABLE link_transitions (
        id        TEXT NOT NULL PRIMARY KEY,
        link_id   TEXT NOT NULL,
        link_name TEXT NOT NULL,
        type      TEXT NOT NULL,
        at        TEXT NOT NULL,
        stage     TEXT,
        code      TEXT,
        hint      TEXT,
        since     TEXT NOT NULL
      ) STRICT;
      CREATE INDEX link_transitions_at ON link_transitions (at, id);
      CREATE INDEX link_transitions_link_at ON link_transitions (link_id, at);
    `,
  };

export const POSTGRES_LINK_HEALTH: Migration = {
    id: '0010_link_health',
    sql: `
      CREATE TABLE link_checks (
        link_id              text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES links (id) ON DELETE CASCADE,
        next_due_at          text COLLATE "C",
        claim_id             text COLLATE "C",
        claimed_at           text COLLATE "C",
        consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
        state                text COLLATE "C" CHECK (state IN ('up', 'failing')),
        state_since          text COLLATE "C",
        failing_since        text COLLATE "C",
        last_checked_at      text COLLATE "C"
      );
      CREATE INDEX link_checks_next_due_at ON link_checks (next_due_at);

      CREATE TABLE link_health_hours (
        link_id  text COLLATE "C" NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        hour     text COLLATE "C" NOT NULL,
        checks   integer NOT NULL,
        failures integer NOT NULL,
        stages   jsonb NOT NULL,
        PRIMARY KEY (link_id, hour)
      );
      CREATE INDEX link_health_hours_hour ON link_health_hours (hour);

      CREATE TABLE link_health_failures (
        link_id text COLLATE "C" NOT NULL REFERENCES links (id) ON DELETE CASCADE,
        at      text COLLATE "C" NOT NULL,
        stage   text NOT NULL,
        code    text NOT NULL,
        message text NOT NULL,
        hint    text NOT NULL,
        ms      double precision NOT NULL
      );
      CREATE INDEX link_health_failures_link_at ON link_health_failures (link_id, at);
      CREATE INDEX link_health_failures_at ON link_health_failures (at);

      CREATE TABLE link_transitions (
        id        text COLLATE "C" NOT NULL PRIMARY KEY,
        link_id   text COLLATE "C" NOT NULL,
        link_name text NOT NULL,
        type      text NOT NULL,
        at        text COLLATE "C" NOT NULL,
        stage     text,
        code      text,
        hint      text,
        since     text NOT NULL
      );
      CREATE INDEX link_transitions_at ON link_transitions (at, id);
      CREATE INDEX link_transitions_link_at ON link_transitions (link_id, at);
    `,
  };
