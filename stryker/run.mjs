/**
 * `npm run mutation [module ...]`: Stryker on each security-critical module in turn (one at a time:
 * a run uses two cores), then one table of scores. Module names are in modules.mjs; none given runs all.
 *
 * PostgreSQL is started once here, through the test suite's own global setup, and handed to every
 * jest run Stryker makes via TEST_PG_URL: otherwise each of the thousands of jest runs would start
 * its own server.
 */
import { Stryker } from '@stryker-mutator/core';
import globalSetup from '../test/setup/global-setup.mjs';
import globalTeardown from '../test/setup/global-teardown.mjs';
import { strykerOptions } from './config.mjs';
import { modules } from './modules.mjs';

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Score as Stryker defines it: detected / (detected + survived + no coverage), per file and per module. */
function score(results) {
  const detected = results.filter((r) => DETECTED.has(r.status)).length;
  const undetected = results.filter((r) => UNDETECTED.has(r.status)).length;
  const valid = detected + undetected;
  return { detected, undetected, valid, percent: valid === 0 ? 100 : (100 * detected) / valid };
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !modules.some((m) => m.name === name));
if (unknown.length > 0) {
  process.stderr.write(`unknown module(s): ${unknown.join(', ')}; known: ${modules.map((m) => m.name).join(', ')}\n`);
  process.exit(2);
}
const selected = wanted.length === 0 ? modules : modules.filter((m) => wanted.includes(m.name));

const rows = [];
await globalSetup();
try {
  for (const module of selected) {
    const results = await new Stryker(strykerOptions(module)).runMutationTest();
    rows.push({ module: module.name, file: '(module)', ...score(results) });
    for (const file of module.mutate) {
      rows.push({ module: module.name, file, ...score(results.filter((r) => r.fileName.endsWith(file))) });
    }
  }
} finally {
  await globalTeardown();
}

process.stdout.write('\nmutation score (killed + timeout) / (killed + timeout + survived + no coverage)\n');
for (const row of rows) {
  process.stdout.write(
    `${row.module.padEnd(18)} ${row.file.padEnd(45)} ${row.percent.toFixed(1).padStart(5)} %  (${row.detected}/${row.valid})\n`,
  );
}
