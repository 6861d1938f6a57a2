/**
 * Links made in the local preview without the browser, for ui tests whose subject is what comes
 * after the wizard (the link page): the same resolver calls the wizard makes, then the sandbox Data
 * Center's sign-in and consent played headlessly and its redirect delivered to the connector's
 * callback, as the admin's browser would.
 *
 * ```ts
 * const { link, incoming } = await createAuthorizedLink(preview, dc, { name: 'Jira', client: dc.clients.cloud! });
 * const onConnector = await connectorGet(preview, `/v1/links/${link.id}`);
 * ```
 */
import type { CloudIncomingScope, ForgeLinkView, IssuedIncomingCredentials, ResolverKey } from '../../contract';
import type { Preview } from '../../preview/server';
import type { OidcClient } from './oidc-server';
import type { SandboxDc } from './sandbox-dc';

/** Calls a resolver as the page would and returns its data; a failure throws with the codes. */
export async function resolve<T>(preview: Preview, key: ResolverKey, payload: unknown): Promise<T> {
  const answer = await preview.invoke<T>(key, payload);
  if (!answer.success) throw new Error(`${key} failed: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

export interface AuthorizedLink {
  link: ForgeLinkView;
  /** The incoming credentials as issued: the one time the secret is seen. */
  incoming: IssuedIncomingCredentials;
}

/**
 * A Jira Data Center link to the sandbox, with incoming credentials issued (placeholder redirect
 * URI), the client the sandbox registered entered as the outgoing credentials, both remote steps
 * marked done, and authorized by `accountId` (default `admin`) at the sandbox.
 */
export async function createAuthorizedLink(
  preview: Preview,
  dc: SandboxDc,
  options: { name: string; client: OidcClient; incomingScopes?: CloudIncomingScope[]; accountId?: string },
): Promise<AuthorizedLink> {
  const created = await resolve<ForgeLinkView>(preview, 'createLink', { name: options.name, remoteKind: 'jira', applicationUrl: dc.baseUrl, authKind: 'oauth2' });
  const incoming = await resolve<IssuedIncomingCredentials>(preview, 'issueIncomingCredentials', {
    id: created.id,
    scopes: options.incomingScopes ?? ['READ'],
    redirectUri: created.applicationUrl,
    redirectUriIsPlaceholder: true,
  });
  await resolve<ForgeLinkView>(preview, 'updateLink', { id: created.id, changes: { outgoing: { clientId: options.client.clientId, clientSecret: options.client.clientSecret } } });
  await resolve<ForgeLinkView>(preview, 'updateExchangeStep', { id: created.id, step: 'remote-incoming-link', status: 'done' });
  await authorizeHeadlessly(preview, dc, created.id, options.accountId);
  return { link: await resolve<ForgeLinkView>(preview, 'getLink', { id: created.id }), incoming };
}

/** Asks for the authorization URL, signs in and consents at the sandbox, and hands the code to the connector's callback. */
export async function authorizeHeadlessly(preview: Preview, dc: SandboxDc, linkId: string, accountId = 'admin'): Promise<void> {
  const { authorizationUrl } = await resolve<{ authorizationUrl: string | null }>(preview, 'authorizeLink', { id: linkId });
  if (authorizationUrl === null) throw new Error('authorizeLink gave no authorization URL for an authorization-code link');
  const { code, state, redirectUri } = await dc.authorize(authorizationUrl, { accountId });
  const callback = new URL(redirectUri);
  callback.searchParams.set('code', code);
  if (state !== null) callback.searchParams.set('state', state);
  const answer = await fetch(callback, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  const body = await answer.text();
  if (answer.status !== 200) throw new Error(`the connector's callback answered ${answer.status}: ${body.slice(0, 300)}`);
}

/** A GET on the connector's API as this site's app calls it (a Forge invocation token the connector trusts). */
export async function connectorGet(preview: Preview, route: string): Promise<{ status: number; body: unknown }> {
  const answer = await fetch(`${preview.connectorUrl}${route}`, {
    headers: { authorization: `Bearer ${await preview.identity.sign()}`, accept: 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await answer.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the failure message.
  }
  return { status: answer.status, body };
}
