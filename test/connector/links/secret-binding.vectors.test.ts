import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { bindingSetting, bindSecret, checkBinding, originOf } from '../../../connector/src/links/secret-binding';
import { createStore } from '../../../connector/src/storage';
import type { Store } from '../../../connector/src/storage/store';
import vectors from './vectors/secret-binding.json';

/**
 * Known answers for the stored binding of a client secret to its token endpoint's origin (the
 * settings row `clientSecretBinding:<link id>`). Made once with the code as released; if one fails,
 * every stored link's secret would be refused after an upgrade: change the MAC input or the origin
 * text only with a migration, never by regenerating these.
 */
describe('client secret bindings (known-answer vectors)', () => {
  let dataDir: string;
  let store: Store;
  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'binding-vectors-'));
    store = createStore({ dataDir });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(vectors.map((v) => [v.tokenUrl, v] as const))('a stored binding for %s verifies, for that secret only', async (_url, v) => {
    expect(originOf(v.tokenUrl)).toBe(v.stored.origin);
    await store.settings.set(bindingSetting(v.linkId), v.stored);
    await expect(checkBinding(store, v.linkId, v.stored.origin, v.secret)).resolves.toEqual({ ok: true });
    await expect(checkBinding(store, v.linkId, v.stored.origin, `${v.secret}x`)).resolves.toEqual({ ok: false, reason: 'forged' });
  });

  it.each(vectors.map((v) => [v.tokenUrl, v] as const))('binding the secret for %s again writes exactly the stored row', async (_url, v) => {
    await bindSecret(store, v.linkId, v.stored.origin, v.secret);
    await expect(store.settings.get(bindingSetting(v.linkId))).resolves.toEqual(v.stored);
  });
});
