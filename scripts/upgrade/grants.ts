import { createPostgresStore } from '../../connector/src/storage';
import { REFRESH_TOKEN_FIELD, tokenOwnerId } from '../../connector/src/storage/store';
import { masterKeyId } from '../../connector/src/vault/master-key';
import { Vault } from '../../connector/src/vault/vault';
import type { Provider } from './provider';

/**
 * After the upgrade, with every replica stopped: is each link's grant still alive? Its stored
 * refresh token is opened with the master key and redeemed at the provider, as the next refresh
 * would. A refresh token that was lost (overwritten by a stale one, or its grant revoked because
 * one was used twice) fails here with invalid_grant.
 */
export async function checkGrants(databaseUrl: string, masterKey: Buffer, provider: Provider, redirectUri: string, linkIds: string[]): Promise<{ lost: string[] }> {
  const store = createPostgresStore({ connectionString: databaseUrl });
  const lost: string[] = [];
  try {
    const vault = new Vault({ store, masterKey: { key: masterKey, id: masterKeyId(masterKey), source: 'environment' } });
    await vault.init();
    for (const linkId of linkIds) {
      const stored = await store.tokens.get(linkId, '');
      if (stored === undefined || stored.refreshToken === null || stored.record.state !== 'valid') {
        lost.push(`${linkId}: ${stored === undefined ? 'no token' : stored.refreshToken === null ? 'no refresh token' : stored.record.state}`);
        continue;
      }
      const refreshToken = await vault.open(tokenOwnerId(linkId, ''), REFRESH_TOKEN_FIELD, stored.refreshToken);
      const res = await fetch(provider.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: provider.clientId, client_secret: provider.clientSecret, redirect_uri: redirectUri }),
      });
      const body = (await res.json()) as { access_token?: string; error?: string };
      if (res.status !== 200 || typeof body.access_token !== 'string') lost.push(`${linkId}: the provider answered ${res.status} ${body.error ?? ''}`);
    }
  } finally {
    await store.close();
  }
  return { lost };
}
