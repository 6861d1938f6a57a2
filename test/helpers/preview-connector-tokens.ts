import * as path from 'node:path';
import { createStore } from '../../connector/src/storage';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId } from '../../connector/src/storage/store';
import { loadMasterKey } from '../../connector/src/vault/master-key';
import { Vault } from '../../connector/src/vault/vault';

/**
 * The tokens the preview's connector holds for a link's own credential, read from its SQLite file
 * with its master key as an operator's tool would (beside the running server), so a test can ask
 * the remote whether they still work.
 */
export async function previewConnectorTokens(previewDataDir: string, linkId: string): Promise<{ accessToken: string; refreshToken: string | null }> {
  const dataDir = path.join(previewDataDir, 'connector');
  const store = createStore({ dataDir });
  try {
    const wrappedBy = new Set((await store.vaultKeys.list()).map((row) => row.masterKeyId));
    const vault = new Vault({ store, masterKey: await loadMasterKey({ dataDir, wrappedBy }) });
    await vault.refresh();
    const stored = await store.tokens.get(linkId, '');
    if (stored === undefined) throw new Error(`the preview's connector holds no tokens for link ${linkId}`);
    const owner = tokenOwnerId(linkId, '');
    return {
      accessToken: await vault.open(owner, ACCESS_TOKEN_FIELD, stored.accessToken),
      refreshToken: stored.refreshToken === null ? null : await vault.open(owner, REFRESH_TOKEN_FIELD, stored.refreshToken),
    };
  } finally {
    await store.close();
  }
}
