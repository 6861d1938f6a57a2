import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

/**
 * The preview's stand-in for Forge: an app id, an installation, a Jira site and the RS256 key that
 * signs Forge invocation tokens (FIT). Kept in the data directory so that the connector's pairing
 * survives a restart. The connector trusts the key through the JWKS the preview serves.
 */
export interface ForgeIdentity {
  appId: string;
  installationId: string;
  cloudId: string;
  siteUrl: string;
  accountId: string;
  kid: string;
  publicJwk: JWK;
  /**
   * A FIT for one call to the connector, valid 25 seconds like Forge's. `principal` is the account
   * that invoked the resolver making the call (the installation's administrator by default).
   */
  sign(principal?: string): Promise<string>;
}

interface Stored {
  appId: string;
  installationId: string;
  cloudId: string;
  accountId: string;
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function loadForgeIdentity(dataDir: string): Promise<ForgeIdentity> {
  const file = path.join(dataDir, 'forge-identity.json');
  let stored: Stored;
  if (existsSync(file)) {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
  } else {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const kid = `preview-${randomUUID().slice(0, 8)}`;
    stored = {
      appId: `ari:cloud:ecosystem::app/${randomUUID()}`,
      installationId: `ari:cloud:ecosystem::installation/${randomUUID()}`,
      cloudId: randomUUID(),
      accountId: '712020:preview-admin-0000-0000-000000000000',
      kid,
      privateJwk: await exportJWK(pair.privateKey),
      publicJwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' },
    };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  const privateKey = await importJWK(stored.privateJwk, 'RS256');
  const siteUrl = 'https://preview.atlassian.net';
  return {
    appId: stored.appId,
    installationId: stored.installationId,
    cloudId: stored.cloudId,
    siteUrl,
    accountId: stored.accountId,
    kid: stored.kid,
    publicJwk: stored.publicJwk,
    async sign(principal?: string) {
      const now = Math.floor(Date.now() / 1000);
      // The claims Forge Remote sends when a backend function (our resolver) calls invokeRemote:
      // no `context`, the cloud id in app.apiBaseUrl (connector/src/forge/invocation-token.ts).
      const claims = {
        app: {
          id: stored.appId,
          version: '1',
          appVersion: '1.0.0',
          installationId: stored.installationId,
          apiBaseUrl: `https://api.atlassian.com/ex/jira/${stored.cloudId}`,
          environment: { type: 'DEVELOPMENT', id: `ari:cloud:ecosystem::environment/${stored.appId.split('/').pop()}/preview` },
          module: { type: 'core:endpoint', key: 'connector' },
        },
        principal: principal ?? stored.accountId,
        jti: randomUUID().replace(/-/g, ''),
      };
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: stored.kid, typ: 'JWT' })
        .setIssuer('forge/invocation-token')
        .setAudience(stored.appId)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 25)
        .sign(privateKey);
    },
  };
}
