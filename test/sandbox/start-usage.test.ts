import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * `node sandbox/start.mjs --help` prints how to call it (it crashed with ERR_PARSE_ARGS_UNKNOWN_OPTION),
 * and an unknown option names itself and the usage instead of a stack trace.
 */
const START = path.join(__dirname, '..', '..', 'sandbox', 'start.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [START, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('sandbox/start.mjs usage', () => {
  it.each([['--help'], ['-h']])('%s prints the usage with every option and exits 0 without starting', (flag) => {
    const result = run(flag);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: node sandbox\/start\.mjs \[options\]/);
    for (const option of ['--kind', '--version', '--display-url', '--skew-seconds', '--port', '--context', '--redirect-uri', '--help']) expect(result.stdout).toContain(option);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr).not.toContain('ERR_PARSE_ARGS');
  });

  it('names an unknown option, prints the usage and exits 2', () => {
    const result = run('--bogus');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--bogus'");
    expect(result.stderr).toContain('Usage: node sandbox/start.mjs');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
