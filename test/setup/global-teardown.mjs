/** Stops the embedded PostgreSQL that global-setup.mjs started (if it started one) and removes its files. */
import { rm } from 'node:fs/promises';

const STATE_KEY = Symbol.for('applinks.test.embeddedPostgres');

export default async function globalTeardown() {
  const state = globalThis[STATE_KEY];
  if (!state) return;
  delete globalThis[STATE_KEY];
  try {
    await state.server.stop();
  } finally {
    await rm(state.parent, { recursive: true, force: true });
    delete process.env.TEST_PG_URL;
  }
}
