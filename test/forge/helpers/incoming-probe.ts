import type { ForgeAppHarness } from './forge-app';

/**
 * Drives the app's real web trigger handlers as a remote would: client credentials at the token
 * endpoint, bearer tokens at the ping API. Every secret and token seen is registered with the
 * harness's leak watch.
 */

export interface Minted {
  accessToken: string;
  refreshToken: string;
  /** The secret it was minted with. */
  secret: string;
}

/** Client credentials at the token endpoint; undefined when the endpoint refuses the client. */
export async function mint(app: ForgeAppHarness, clientId: string, secret: string, scope?: string): Promise<Minted | undefined> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, ...(scope === undefined ? {} : { scope }) });
  const response = await app.webTriggers['oauth-token']({ method: 'POST', headers: { 'Content-Type': ['application/x-www-form-urlencoded'] }, body: body.toString() });
  const json = JSON.parse(response.body) as { access_token?: string; refresh_token?: string; error?: string };
  if (response.statusCode === 401 && json.error === 'invalid_client') return undefined;
  if (response.statusCode !== 200 || json.access_token === undefined || json.refresh_token === undefined) throw new Error(`Unexpected token response ${response.statusCode}: ${response.body}`);
  app.watch.secret(json.access_token);
  app.watch.secret(json.refresh_token);
  return { accessToken: json.access_token, refreshToken: json.refresh_token, secret };
}

/** The ping API's verdict on an access token: its current scopes when valid, undefined when refused. */
export async function ping(app: ForgeAppHarness, accessToken: string): Promise<string[] | undefined> {
  const response = await app.webTriggers['oauth-ping']({ method: 'GET', headers: { Authorization: [`Bearer ${accessToken}`] } });
  if (response.statusCode === 401) return undefined;
  if (response.statusCode !== 200) throw new Error(`Unexpected ping response ${response.statusCode}: ${response.body}`);
  return (JSON.parse(response.body) as { scopes: string[] }).scopes;
}

/**
 * Orphans in storage: client entities whose link is gone or names another client or generation,
 * secret hashes no client names, and lookup records of the old layout.
 */
export function orphans(app: ForgeAppHarness): string[] {
  const dump = app.store.dump();
  const found: string[] = [];
  const links = new Map<string, { incoming: { clientId: string; generation: number } | null }>();
  const clients = new Map<string, { linkId: string; generation: number; record: { secretId: string } }>();
  for (const [key, json] of Object.entries(dump.values)) {
    if (key.startsWith('applink/')) links.set(key.slice('applink/'.length), (JSON.parse(json) as { record: { incoming: { clientId: string; generation: number } | null } }).record);
    if (key.startsWith('incoming-client/')) clients.set(key.slice('incoming-client/'.length), JSON.parse(json));
    if (key.startsWith('incoming-client:')) found.push(`legacy lookup ${key}`);
  }
  for (const [clientId, client] of clients) {
    const incoming = links.get(client.linkId)?.incoming;
    if (incoming?.clientId !== clientId || incoming.generation !== client.generation) found.push(`client ${clientId} of link ${client.linkId}`);
  }
  const named = new Set([...clients].map(([clientId, c]) => `incoming-secret:${clientId}:${c.record.secretId}`));
  for (const key of Object.keys(dump.secrets)) if (key.startsWith('incoming-secret:') && !named.has(key)) found.push(`secret hash ${key}`);
  return found;
}
