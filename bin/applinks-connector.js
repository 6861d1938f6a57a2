#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs as `prepare`).
let cli;
try {
  cli = require('../dist/connector/src/cli.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/connector/src/cli.js')) {
    process.stderr.write('applinks-connector is not built yet: run `npm run build` (npm ci does it for you).\n');
    process.exit(1);
  }
  throw error;
}
cli
  .runCli(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  })
  .then((code) => {
    // `serve` keeps running: only commands that finished set an exit code.
    if (code !== 0) process.exitCode = code;
  });
