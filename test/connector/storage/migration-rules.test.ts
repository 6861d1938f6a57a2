/**
 * Migrations that a rolling upgrade survives: released migrations never change (checksums in
 * vectors/released-migrations.json), every later one only expands the schema (migration-rules.ts),
 * and an older replica's link update keeps the document fields it does not know (migration 0006).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { createPostgresStore } from '../../../connector/src/storage';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, type Migration } from '../../../connector/src/storage/migrations';
import { LinkDocumentSchema } from '../../../connector/src/storage/records/links';
import { createTestDatabase } from '../../helpers/postgres';
import { link } from './fixtures';
import { expandViolations, tablesCreatedBy } from './migration-rules';

const ROOT = path.join(__dirname, '..', '..', '..');
interface ReleasedMigration {
  id: string;
  release: string;
  sha256: string;
}
const VECTORS = JSON.parse(readFileSync(path.join(__dirname, 'vectors', 'released-migrations.json'), 'utf8')) as Record<'sqlite' | 'postgres', ReleasedMigration[]>;
const RELEASES = (JSON.parse(readFileSync(path.join(ROOT, 'deploy', 'releases.json'), 'utf8')) as { releases: { version: string; commit: string }[] }).releases;
const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Unreleased migrations allowed past a rule, each with why an older replica is safe anyway. */
const EXEMPT: Record<string, string> = {
  'postgres:0006_links_keep_document_fields':
    'a trigger on links that only carries over document keys the writer left out; it never refuses or alters a key the writer sent',
};

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const compareVersions = (a: string, b: string): number => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i += 1) if (x![i] !== y![i]) return x![i]! - y![i]!;
  return 0;
};

describe.each([
  ['sqlite', SQLITE_MIGRATIONS],
  ['postgres', POSTGRES_MIGRATIONS],
] as const)('%s migrations', (dialect, migrations: readonly Migration[]) => {
  const released = VECTORS[dialect];

  it('start with every released migration, in order, each with the SQL it was released with', () => {
    const head = migrations.slice(0, released.length).map((m) => ({ id: m.id, sha256: sha256(m.sql) }));
    expect(head).toEqual(released.map(({ id, sha256: sum }) => ({ id, sha256: sum })));
  });

  it('have unique ids in ascending order', () => {
    const ids = migrations.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('only expand the schema after the last release', () => {
    const existing = new Set(['schema_migrations', ...migrations.slice(0, released.length).flatMap((m) => tablesCreatedBy(m.sql))]);
    const problems: string[] = [];
    for (const migration of migrations.slice(released.length)) {
      const violations = expandViolations(migration.sql, existing);
      if (violations.length > 0 && !(`${dialect}:${migration.id}` in EXEMPT)) problems.push(...violations.map((v) => `${migration.id}: ${v.rule} (${v.excerpt})`));
      for (const table of tablesCreatedBy(migration.sql)) existing.add(table);
    }
    expect(problems).toEqual([]);
  });
});

describe('the expand-only rules', () => {
  const existing = new Set(['links', 'tokens']);
  it.each([
    ['DROP TABLE tokens', 'drops'],
    ['ALTER TABLE links DROP COLUMN document', 'drops'],
    ['DROP INDEX links_created_at_id', 'drops'],
    ['ALTER TABLE links RENAME COLUMN document TO body', 'renames'],
    ['ALTER TABLE links RENAME TO link', 'renames'],
    ['ALTER TABLE links ALTER COLUMN version TYPE bigint', 'column type'],
    ['ALTER TABLE links ALTER COLUMN version SET DATA TYPE bigint', 'column type'],
    ['ALTER TABLE links ALTER COLUMN document SET NOT NULL', 'NOT NULL'],
    ['ALTER TABLE links ADD COLUMN owner text NOT NULL', 'without a default'],
    ['ALTER TABLE links ADD owner text NOT NULL', 'without a default'],
    ['ALTER TABLE links ADD COLUMN a text, ADD COLUMN b integer NOT NULL', 'without a default'],
    ['ALTER TABLE links ADD CONSTRAINT one_name UNIQUE (id)', 'constraint'],
    ['ALTER TABLE links ADD CHECK (version > 0)', 'constraint'],
    ['CREATE UNIQUE INDEX links_name ON links ((document->>\'name\'))', 'unique index'],
    ['DELETE FROM tokens WHERE state = \'valid\'', 'deletes rows'],
    ['TRUNCATE tokens', 'truncates'],
    ['CREATE TRIGGER t BEFORE INSERT ON links FOR EACH ROW EXECUTE FUNCTION f()', 'trigger'],
  ])('refuse %s', (sql, rule) => {
    expect(expandViolations(`${sql};`, existing).map((v) => v.rule).join(' | ')).toContain(rule);
  });

  it.each([
    'CREATE TABLE health (link_id text NOT NULL PRIMARY KEY, checked_at text NOT NULL); CREATE UNIQUE INDEX health_x ON health (checked_at)',
    'ALTER TABLE links ADD COLUMN owner text',
    'ALTER TABLE links ADD COLUMN checks integer NOT NULL DEFAULT 0',
    'CREATE INDEX tokens_expires_at ON tokens (expires_at)',
    "UPDATE tokens SET last_error_code = NULL WHERE last_error_code = ''",
    '-- no DROP here, only a comment\nCREATE TABLE alerts (id text PRIMARY KEY); CREATE TRIGGER a BEFORE INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION f(); DELETE FROM alerts',
    'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RETURN NEW; END $fn$',
  ])('accept %s', (sql) => {
    expect(expandViolations(sql, existing)).toEqual([]);
  });
});

describe('releases', () => {
  it('are recorded with full commit ids in ascending versions, and the package version is newer than the last', () => {
    expect(RELEASES.length).toBeGreaterThan(0);
    for (const release of RELEASES) expect(release).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/), commit: expect.stringMatching(/^[0-9a-f]{40}$/), date: expect.any(String) });
    const versions = RELEASES.map((r) => r.version);
    expect([...versions].sort(compareVersions)).toEqual(versions);
    expect(compareVersions(PACKAGE_VERSION, versions[versions.length - 1]!)).toBeGreaterThan(0);
  });

  it('each have their migrations in the vectors, and the vectors name no other release', () => {
    const versions = new Set(RELEASES.map((r) => r.version));
    const named = new Set([...VECTORS.sqlite, ...VECTORS.postgres].map((m) => m.release));
    expect([...named].sort(compareVersions)).toEqual([...versions].sort(compareVersions).filter((v) => named.has(v)));
    // The last release shipped migrations (every release so far has): it must be in the vectors.
    expect(named.has(RELEASES[RELEASES.length - 1]!.version)).toBe(true);
  });
});

describe('the link document', () => {
  /** Keys whose schema lets them be left out: written as an absent key, which migration 0006 would refill. */
  function optionalKeys(schema: z.ZodObject, at: string): string[] {
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, field]) => {
      const parsed = field.safeParse(undefined);
      const here = parsed.success && parsed.data === undefined ? [`${at}${key}`] : [];
      return field instanceof z.ZodObject ? [...here, ...optionalKeys(field, `${at}${key}.`)] : here;
    });
  }

  it('has no optional field: a cleared field is written as null, because a left-out key keeps its stored value (migration 0006)', () => {
    expect(optionalKeys(z.object({ a: z.string().optional(), b: z.string().nullable().default(null), o: z.object({ c: z.number().optional() }) }), '')).toEqual(['a', 'o.c']);
    expect(optionalKeys(LinkDocumentSchema, '')).toEqual([]);
  });
});

describe('postgres migration 0006: an older replica\'s link update keeps the fields it does not know', () => {
  it('keeps keys left out of an update, recursively, while keys sent (null included) win and arrays are replaced whole', async () => {
    const database = await createTestDatabase();
    const store = createPostgresStore({ connectionString: database.url });
    const client = new pg.Client({ connectionString: database.url });
    try {
      await store.migrate();
      await store.links.create({ ...link('link-1'), outgoing: { ...link('link-1').outgoing, secretExpiresAt: '2027-06-30', scopes: ['READ', 'WRITE'] } });
      await client.connect();
      // What a later version may have added beside it, at both levels.
      await client.query(`UPDATE links SET document = document || '{"future": {"a": 1}}'::jsonb || jsonb_build_object('outgoing', document->'outgoing' || '{"futureNested": true}') WHERE id = 'link-1'`);

      // Release 0.1.0's write: the whole document as it parsed it, without the fields it does not know.
      const { rows } = await client.query<{ document: Record<string, unknown> & { outgoing: Record<string, unknown> } }>("SELECT document FROM links WHERE id = 'link-1'");
      const { secretExpiresAt: _dropped, futureNested: _alsoDropped, ...oldOutgoing } = rows[0]!.document.outgoing;
      const { future: _future, ...oldDocument } = rows[0]!.document;
      const written = { ...oldDocument, name: 'Renamed by 0.1.0', status: 'failing', outgoing: { ...oldOutgoing, scopes: ['READ'] } };
      await client.query("UPDATE links SET document = $1::jsonb, version = version + 1 WHERE id = 'link-1'", [JSON.stringify(written)]);

      const after = await store.links.get('link-1');
      expect(after).toMatchObject({ name: 'Renamed by 0.1.0', status: 'failing', version: 2, outgoing: { secretExpiresAt: '2027-06-30', scopes: ['READ'] } });
      const raw = (await client.query<{ document: Record<string, unknown> }>("SELECT document FROM links WHERE id = 'link-1'")).rows[0]!.document;
      expect(raw).toMatchObject({ future: { a: 1 }, outgoing: { futureNested: true } });

      // The current version writes every field it knows: an explicit null clears the expiry.
      await store.links.update({ ...after!, outgoing: { ...after!.outgoing, secretExpiresAt: null }, version: 3 }, 2);
      expect((await store.links.get('link-1'))?.outgoing.secretExpiresAt).toBeNull();
    } finally {
      await client.end();
      await store.close();
      await database.drop();
    }
  });
});
