import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * The previous release's connector, built from git history: the repository has no tags, so
 * `deploy/releases.json` records which commit each version was cut from. The release's connector
 * and contract are exported with `git archive` into a temporary folder and compiled there by this
 * checkout's TypeScript, against this checkout's node_modules (the release's runtime dependencies
 * are the ones installed here, as `npm ci` of that commit would install them, give or take the
 * packages added since, which the old code never loads).
 */

export interface Release {
  version: string;
  commit: string;
}

export interface BuiltRelease extends Release {
  /** The folder holding the release: run `node <dir>/bin/applinks-connector.js serve`. */
  dir: string;
  bin: string;
  buildMs: number;
}

export function lastRelease(repoDir: string): Release {
  const file = path.join(repoDir, 'deploy', 'releases.json');
  const { releases } = JSON.parse(readFileSync(file, 'utf8')) as { releases: Release[] };
  const last = releases[releases.length - 1];
  if (last === undefined) throw new Error(`${file} lists no release: there is nothing to upgrade from`);
  return last;
}

/** Fails, saying why, when the release's commit is not in this clone: never a silent skip. */
export function checkCommitPresent(repoDir: string, release: Release): void {
  const found = spawnSync('git', ['cat-file', '-e', `${release.commit}^{commit}`], { cwd: repoDir, stdio: 'ignore' });
  if (found.status === 0) return;
  const shallow = spawnSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: repoDir, encoding: 'utf8' }).stdout.trim() === 'true';
  throw new Error(
    `release ${release.version} (commit ${release.commit}, deploy/releases.json) is not in this clone` +
      (shallow ? ': it is a shallow clone; run `git fetch --unshallow` (or clone with full history) and try again' : ': fetch the branch that holds it and try again') +
      '. The rolling-upgrade test needs the previous release to run it beside this version.',
  );
}

/** What the release needs to run its connector; the rest of the tree (Forge app, tests) is left out. */
const RELEASE_PATHS = ['bin', 'connector/src', 'contract', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

export function buildRelease(repoDir: string, release: Release): BuiltRelease {
  checkCommitPresent(repoDir, release);
  const started = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), `applinks-release-${release.version}-`));
  // mkdtemp makes the folder 0700; others (the postgres user, when the database runs from this
  // checkout's node_modules as root) may need to walk through it.
  chmodSync(dir, 0o755);
  const archive = execFileSync('git', ['archive', '--format=tar', release.commit, ...RELEASE_PATHS], { cwd: repoDir, maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(realpathSync(path.join(repoDir, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  // The release's own compiler settings, narrowed to the connector and its contract.
  writeFileSync(path.join(dir, 'tsconfig.release.json'), JSON.stringify({ extends: './tsconfig.build.json', include: ['contract/**/*.ts', 'connector/src/**/*.ts'] }));
  const tsc = path.join(repoDir, 'node_modules', 'typescript', 'bin', 'tsc');
  // --noCheck: emit only. The release was type-checked when it was released; checking it again
  // here triples the build time and proves nothing about the upgrade.
  const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.release.json'), '--noCheck'], { cwd: dir, encoding: 'utf8' });
  if (compiled.status !== 0) throw new Error(`release ${release.version} did not compile:\n${compiled.stdout}${compiled.stderr}`);
  return { ...release, dir, bin: path.join(dir, 'bin', 'applinks-connector.js'), buildMs: Date.now() - started };
}
