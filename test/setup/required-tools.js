/**
 * Which of the programs the suite needs (required-tools.json) are missing on this machine.
 * CommonJS so that both the global setup (ESM) and the test files (ts-jest, CommonJS) load the
 * same code: a missing tool fails a CI run in the global setup, and outside CI the tests that need
 * it are skipped with the reason (test/helpers/required-tools.ts).
 */
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const { tools } = require('./required-tools.json');

function toolPresent(tool) {
  if (tool.path) return existsSync(tool.path);
  try {
    execFileSync(tool.command, tool.args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function missingTools() {
  return tools.filter((tool) => !toolPresent(tool));
}

function missingToolsMessage(missing) {
  return (
    `The test suite needs programs that are not installed: ${missing.map((t) => `${t.name} (${t.usedBy})`).join(', ')}. ` +
    `Install them with: apt-get install -y ${missing.map((t) => t.package).join(' ')} (.ci/run does this).`
  );
}

module.exports = { REQUIRED_TOOLS: tools, toolPresent, missingTools, missingToolsMessage };
