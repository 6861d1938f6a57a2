import type { Store } from '../storage/store';
import { requireLink, type OAuthClientFactory } from './client-factory';
import { CredentialError } from './errors';
import type { TokenWriter } from './token-writer';

/**
 * Gets a token with the client-credentials grant (RFC 6749 section 4.4) and stores it, for links
 * that use that grant (DC service accounts, Bitbucket Cloud private consumers).
 */
export async function obtainClientCredentials(deps: { store: Store; clients: OAuthClientFactory; writer: TokenWriter }, linkId: string): Promise<void> {
  const link = await requireLink(deps.store, linkId);
  if (link.outgoing.grantType !== 'client_credentials') throw new CredentialError('NOT_AUTHORIZATION_CODE', 'This link uses the authorization-code grant: select Authorize.');
  const client = await deps.clients.clientFor(link);
  const tokens = await client.clientCredentials();
  await deps.writer.storeNew(link, '', tokens);
}
