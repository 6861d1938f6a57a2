/**
 * Stryker options shared by every module; `run.mjs` adds `mutate` and the module's test files.
 * @param {{name: string, mutate: string[], tests: string[]}} module
 * @returns {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export function strykerOptions(module) {
  return {
    packageManager: 'npm',
    testRunner: 'jest',
    checkers: ['typescript'],
    // A tsconfig holding only the mutated modules and their tests: the checker compiles far less.
    tsconfigFile: 'stryker/tsconfig.json',
    // Per-test coverage: each mutant runs only the tests that reach it.
    coverageAnalysis: 'perTest',
    // The machine's cores are shared: two test runners at most.
    concurrency: 2,
    mutate: module.mutate,
    jest: {
      projectType: 'custom',
      configFile: 'jest.config.js',
      // Only the module's own tests; jest's global setup (test/setup/*) still runs, and finds the
      // PostgreSQL that run.mjs started through TEST_PG_URL.
      config: { testMatch: module.tests.map((file) => `<rootDir>/${file}`) },
      enableFindRelatedTests: false,
    },
    // Incremental: a re-run tests only mutants whose code or tests changed since the last run.
    incremental: true,
    incrementalFile: `reports/mutation/${module.name}.incremental.json`,
    reporters: ['clear-text', 'progress', 'json'],
    jsonReporter: { fileName: `reports/mutation/${module.name}.json` },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    // The sandbox copies the worktree (test/setup/*, tsconfig*.json, jest.config.js included) minus
    // what is not source; node_modules is symlinked into it.
    ignorePatterns: ['dist', 'coverage', 'reports', 'test-artifacts', '.data', 'static/admin/build', 'docs', 'deploy'],
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
    thresholds: { high: 90, low: 85, break: null },
    timeoutMS: 10000,
  };
}
