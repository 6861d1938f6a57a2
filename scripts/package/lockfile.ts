/**
 * Derives the connector package's lockfile from the repository's root `package-lock.json`, so an
 * operator's `npm ci --omit=dev` installs exactly the versions the test suite ran against, and
 * nothing the connector does not load (no Forge, React, test or build tools).
 *
 * The root lockfile (version 3) lists every installed folder under `packages`, keyed by its path
 * (`node_modules/a/node_modules/b`). We walk from the connector's direct dependencies the way
 * Node resolves `require` (nearest `node_modules` first, then the parents), keep every folder
 * reached, and drop the `dev` flags: in the derived tree everything is a production dependency.
 */

export interface LockPackage {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
  [field: string]: unknown;
}

export interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockPackage>;
}

export class LockfileError extends Error {
  override readonly name = 'LockfileError';
  constructor(
    readonly code: 'LOCKFILE_VERSION' | 'DEPENDENCY_NOT_LOCKED' | 'DEPENDENCY_NOT_DECLARED',
    message: string,
  ) {
    super(message);
  }
}

/** Where Node finds `name` when it is required from the package installed at `from` (a lockfile key). */
export function resolveFrom(packages: Record<string, LockPackage>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

function requiredPeers(entry: LockPackage): string[] {
  return Object.keys(entry.peerDependencies ?? {}).filter((peer) => entry.peerDependenciesMeta?.[peer]?.optional !== true);
}

/** Every lockfile key the given direct dependencies need at run time, dependencies first. */
export function runtimeClosure(lock: Lockfile, direct: string[]): Set<string> {
  const kept = new Set<string>();
  const visit = (from: string, name: string, required: boolean): void => {
    const key = resolveFrom(lock.packages, from, name);
    if (key === undefined) {
      // Optional dependencies for other platforms are legitimately absent from the lockfile.
      if (required) throw new LockfileError('DEPENDENCY_NOT_LOCKED', `${name} (needed by ${from === '' ? 'the connector' : from}) is not in package-lock.json: run npm install first`);
      return;
    }
    if (kept.has(key)) return;
    kept.add(key);
    const entry = lock.packages[key] as LockPackage;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, true);
    for (const dep of requiredPeers(entry)) visit(key, dep, true);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, false);
  };
  for (const name of direct) visit('', name, true);
  return kept;
}

/**
 * The connector package's lockfile: the root entry describes the package being built (its
 * `dependencies` pinned to the exact versions the root lockfile resolved), the rest is the
 * runtime closure with every entry marked as a production dependency.
 */
export function deriveLockfile(
  lock: Lockfile,
  target: { name: string; version: string; dependencies: Record<string, string>; root: LockPackage },
): Lockfile {
  if (lock.lockfileVersion < 2) throw new LockfileError('LOCKFILE_VERSION', `package-lock.json is version ${lock.lockfileVersion}; npm 7 or later writes version 3`);
  const closure = runtimeClosure(lock, Object.keys(target.dependencies));
  const packages: Record<string, LockPackage> = { '': { ...target.root, name: target.name, version: target.version, dependencies: target.dependencies } };
  for (const key of [...closure].sort()) {
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[key] as LockPackage;
    packages[key] = entry;
  }
  return { name: target.name, version: target.version, lockfileVersion: 3, requires: true, packages };
}

/** The exact version the root lockfile installed for each direct dependency. */
export function lockedVersions(lock: Lockfile, names: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of [...names].sort()) {
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (version === undefined) throw new LockfileError('DEPENDENCY_NOT_LOCKED', `${name} is not installed at the top of package-lock.json`);
    result[name] = version;
  }
  return result;
}

/** Bare package names that compiled CommonJS code requires (`require("fastify")`, `require("@a/b/c")` -> `@a/b`). */
export function requiredPackages(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
    const specifier = match[1] as string;
    if (specifier.startsWith('node:')) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string));
  }
  return [...names];
}
