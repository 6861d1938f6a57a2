import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A file a reader needs two sittings for wants splitting: no source file of either deployable, the
 * contract, the preview or the scripts is over 350 lines. Data tables are the exception, named here
 * with why.
 */
const ROOT = path.join(__dirname, '..', '..');
const LIMIT = 350;
const EXEMPT: Record<string, string> = {
  'contract/remotes.ts': "the preset table of every remote kind (endpoints, scopes, versions): data, read row by row",
};

it(`no source file is over ${LIMIT} lines`, () => {
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
  const sources = tracked.filter((f) => /\.(ts|tsx|mts|mjs|js)$/.test(f) && /^(connector|src|contract|static|preview|scripts|sandbox|bin)\//.test(f) && !/(^|\/)(build|dist)\//.test(f));
  expect(sources.length).toBeGreaterThan(100);
  const tooLong = sources
    .filter((f) => !(f in EXEMPT))
    .map((f) => ({ f, lines: readFileSync(path.join(ROOT, f), 'utf8').split('\n').length }))
    .filter(({ lines }) => lines > LIMIT)
    .map(({ f, lines }) => `${f}: ${lines} lines`);
  expect(tooLong).toEqual([]);
});
