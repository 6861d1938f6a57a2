import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { deriveLockfile, lockedVersions, LockfileError, requiredPackages, type Lockfile } from './lockfile';

/**
 * Builds what operators install: `applinks-connector-<version>.tgz`, an npm package holding the
 * compiled connector and contract, `bin/applinks-connector.js`, a package.json with only the
 * connector's runtime dependencies and an `npm-shrinkwrap.json` derived from the root lockfile.
 *
 * Why a separate package rather than `npm ci --omit=dev` on the repository: the repository's
 * `prepare` script compiles TypeScript (a dev dependency) and its dependencies include the Forge app
 * and the admin page's React. Why `npm-shrinkwrap.json` rather than `package-lock.json`: npm never
 * puts a package-lock.json into a tarball, while a shrinkwrap travels with the package and is
 * honoured both by `npm ci` in the unpacked folder and by `npm install -g <tarball>`.
 *
 * Run after `tsc -p tsconfig.build.json` (the `package:connector` npm script does both).
 */

export const PACKAGE_NAME = 'applinks-connector';
/** The compiled folders the connector loads at run time (relative to the build's `dist/`). */
const RUNTIME_FOLDERS = ['connector/src', 'contract'];
/** Node's own modules, with and without the `node:` prefix: never dependencies. */
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

interface RootManifest {
  version: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
  overrides?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

function walkJs(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) files.push(...walkJs(full));
    else if (name.endsWith('.js')) files.push(full);
  }
  return files;
}

/** The packages the compiled connector requires, checked against the root package.json. */
export function connectorDependencies(distDir: string, root: RootManifest): string[] {
  const names = new Set<string>();
  for (const folder of RUNTIME_FOLDERS) {
    for (const file of walkJs(path.join(distDir, folder))) {
      for (const name of requiredPackages(readFileSync(file, 'utf8'))) if (!builtins.has(name)) names.add(name);
    }
  }
  for (const name of names) {
    if (root.dependencies[name] === undefined) {
      throw new LockfileError('DEPENDENCY_NOT_DECLARED', `the connector requires ${name}, which package.json does not list under dependencies`);
    }
  }
  return [...names].sort();
}

export interface PackageResult {
  tarball: string;
  bytes: number;
  dependencies: Record<string, string>;
  lockedPackages: number;
}

export function packageConnector(options: { repoDir: string; outDir: string }): PackageResult {
  const { repoDir, outDir } = options;
  const distDir = path.join(repoDir, 'dist');
  if (!existsSync(path.join(distDir, 'connector/src/cli.js'))) {
    throw new Error('dist/connector/src/cli.js is missing: run tsc -p tsconfig.build.json first (npm run package:connector does)');
  }
  const root = JSON.parse(readFileSync(path.join(repoDir, 'package.json'), 'utf8')) as RootManifest;
  const lock = JSON.parse(readFileSync(path.join(repoDir, 'package-lock.json'), 'utf8')) as Lockfile;
  const names = connectorDependencies(distDir, root);
  // Exact versions: the package installs what the suite tested, whatever the ranges would allow.
  const dependencies = lockedVersions(lock, names);

  const stage = path.join(outDir, 'stage');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(path.join(stage, 'bin'), { recursive: true });
  for (const folder of RUNTIME_FOLDERS) {
    cpSync(path.join(distDir, folder), path.join(stage, 'dist', folder), { recursive: true, filter: (src) => statSync(src).isDirectory() || src.endsWith('.js') });
  }
  copyFileSync(path.join(repoDir, 'bin/applinks-connector.js'), path.join(stage, 'bin/applinks-connector.js'));

  const keep = <T>(record: Record<string, T> | undefined, closure: Set<string>): Record<string, T> | undefined => {
    const entries = Object.entries(record ?? {}).filter(([name]) => closure.has(name));
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  };
  const derived = deriveLockfile(lock, { name: PACKAGE_NAME, version: root.version, dependencies, root: { license: root.license, engines: root.engines, bin: { [PACKAGE_NAME]: 'bin/applinks-connector.js' } } });
  const installed = new Set(Object.keys(derived.packages).map((key) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)));
  const manifest = {
    name: PACKAGE_NAME,
    version: root.version,
    description: 'The Data Center side of OAuth 2.0 application links: holds outgoing secrets and keeps tokens fresh',
    license: root.license,
    engines: root.engines,
    bin: { [PACKAGE_NAME]: 'bin/applinks-connector.js' },
    // npm 11 leaves npm-shrinkwrap.json out of a tarball unless `files` names it.
    files: ['bin/', 'dist/', 'README.md', 'npm-shrinkwrap.json'],
    dependencies,
    // The root's overrides and install-script choices, for the packages this tree still holds.
    overrides: keep(root.overrides, installed),
    allowScripts: keep(root.allowScripts, installed),
  };
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(stage, 'npm-shrinkwrap.json'), `${JSON.stringify(derived, null, 2)}\n`);
  writeFileSync(
    path.join(stage, 'README.md'),
    [
      `# ${PACKAGE_NAME} ${root.version}`,
      '',
      'Install with production dependencies only, then start:',
      '',
      '    npm ci --omit=dev        # in the unpacked folder; or: npm install -g ./applinks-connector-<version>.tgz',
      '    applinks-connector serve # configuration from CONNECTOR_* environment variables',
      '',
      'See "Operating the connector" in the project README for the service unit, the container image,',
      'TLS, backups and upgrades.',
      '',
    ].join('\n'),
  );

  const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [info] = JSON.parse(packed) as { filename: string }[];
  if (info === undefined) throw new Error('npm pack reported no tarball');
  const tarball = path.join(outDir, info.filename);
  return { tarball, bytes: statSync(tarball).size, dependencies, lockedPackages: Object.keys(derived.packages).length - 1 };
}

if (require.main === module) {
  const repoDir = path.resolve(__dirname, '..', '..', '..');
  const outDir = path.resolve(process.argv[2] ?? path.join(repoDir, 'dist', 'package'));
  mkdirSync(outDir, { recursive: true });
  const result = packageConnector({ repoDir, outDir });
  console.log(`${result.tarball} (${(result.bytes / 1000).toFixed(0)} kB)`);
  console.log(`runtime dependencies: ${Object.entries(result.dependencies).map(([n, v]) => `${n}@${v}`).join(', ')}`);
  console.log(`npm-shrinkwrap.json: ${result.lockedPackages} packages, from package-lock.json`);
}
