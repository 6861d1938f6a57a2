import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** A number from the environment, or the default. */
export const env = (name: string, fallback: number): number => {
  const value = process.env[name];
  return value === undefined ? fallback : Number(value);
};

/**
 * Runs `run` with a PostgreSQL database named `name`: BENCH_DATABASE_URL when set, else the
 * embedded PostgreSQL the tests use, started here and removed afterwards.
 */
export async function withDatabase<T>(name: string, run: (url: string) => Promise<T>): Promise<T> {
  if (process.env.BENCH_DATABASE_URL !== undefined) return run(process.env.BENCH_DATABASE_URL);
  const root = path.resolve(__dirname, '../../..');
  const setup = (await import(pathToFileURL(path.join(root, 'test/setup/global-setup.mjs')).href)) as { default: () => Promise<void> };
  const teardown = (await import(pathToFileURL(path.join(root, 'test/setup/global-teardown.mjs')).href)) as { default: () => Promise<void> };
  await setup.default();
  try {
    const pg = await import('pg');
    const admin = new pg.default.Client({ connectionString: process.env.TEST_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.TEST_PG_URL ?? '');
    url.pathname = `/${name}`;
    return await run(url.toString());
  } finally {
    await teardown.default();
  }
}
