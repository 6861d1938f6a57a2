import { missingToolsMessage, REQUIRED_TOOLS, toolPresent, type RequiredTool } from '../setup/required-tools';

/**
 * Tests that need a program outside node_modules (Chromium, openssl, python3) ask here. Under
 * `CI=true` a missing program fails the test run with what to install (the global setup checks
 * them all first); elsewhere the tests that need it are real jest skips, counted as skipped in the
 * summary, with one warning that says what is missing.
 */
export type ToolName = 'chromium' | 'openssl' | 'python3' | 'promtool';

const seen = new Map<ToolName, boolean>();

function tool(name: ToolName): RequiredTool {
  const found = REQUIRED_TOOLS.find((t) => t.name === name);
  if (found === undefined) throw new Error(`${name} is not listed in test/setup/required-tools.json`);
  return found;
}

/** Whether `name` is installed; throws under CI=true when it is not. */
export function hasTool(name: ToolName): boolean {
  let present = seen.get(name);
  if (present === undefined) {
    present = toolPresent(tool(name));
    seen.set(name, present);
    if (!present) {
      if (process.env.CI === 'true') throw new Error(missingToolsMessage([tool(name)]));
      console.warn(`SKIPPED: ${missingToolsMessage([tool(name)])}`);
    }
  }
  return present;
}

/** `it` when every named tool is installed, otherwise `it.skip` (and a failure under CI). */
export function itWithTools(...names: ToolName[]): jest.It {
  return names.every(hasTool) ? it : it.skip;
}

/** `describe` when every named tool is installed, otherwise `describe.skip` (and a failure under CI). */
export function describeWithTools(...names: ToolName[]): jest.Describe {
  return names.every(hasTool) ? describe : describe.skip;
}
