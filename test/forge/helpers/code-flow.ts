import { createHash, randomBytes } from 'node:crypto';
import type { ConsentDecision, ForgeLinkView, IssuedIncomingCredentials, ResolverKey, ResolverResponse } from '../../../contract';
import type { WebTriggerResponse } from '../../../src/webtriggers/web-trigger';
import { CONSENT_PAGE, type ForgeAppHarness } from './forge-app';

/**
 * Drives the authorization code grant against the app's real handlers, as a Data Center's
 * outgoing link and a browser would: the authorization endpoint, the consent surface's resolvers
 * (as a signed-in account), the token endpoint. Every id, code and token seen goes to the leak watch.
 */

export const REDIRECT_URI = 'https://jira.example.com/plugins/servlet/oauth2/consumer/callback';

export interface IncomingLink {
  link: ForgeLinkView;
  clientId: string;
  secret: string;
}

export async function incomingLink(app: ForgeAppHarness, options: { name?: string; scopes?: string[]; redirectUri?: string | null } = {}): Promise<IncomingLink> {
  const link = await app.call<ForgeLinkView>('createLink', { name: options.name ?? 'Jira Data Center', remoteKind: 'jira', applicationUrl: 'https://jira.example.com/' });
  const redirect = options.redirectUri === null ? {} : { redirectUri: options.redirectUri ?? REDIRECT_URI };
  const issued = await app.call<IssuedIncomingCredentials>('issueIncomingCredentials', { id: link.id, scopes: options.scopes ?? ['WRITE'], ...redirect });
  return { link, clientId: issued.incoming.clientId, secret: app.watch.secret(issued.clientSecret) };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function authorize(app: ForgeAppHarness, params: Record<string, string | string[]>): Promise<WebTriggerResponse> {
  const queryParameters = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  const response = await app.webTriggers['oauth-authorize']({ method: 'GET', queryParameters });
  app.watch.record(JSON.stringify(response));
  return response;
}

/** A well-formed request for the link, with one's own changes. */
export function requestFor(l: IncomingLink, challenge: string, changes: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = { response_type: 'code', client_id: l.clientId, redirect_uri: REDIRECT_URI, scope: 'WRITE', state: 'state-123', code_challenge: challenge, code_challenge_method: 'S256', ...changes };
  return Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
}

export const location = (response: WebTriggerResponse): string | undefined => response.headers['Location']?.[0];

/** The pending request id the authorization endpoint sent the browser to the consent page with. */
export function requestIdOf(app: ForgeAppHarness, response: WebTriggerResponse): string {
  const target = location(response);
  if (response.statusCode !== 302 || target === undefined || !target.startsWith(CONSENT_PAGE)) throw new Error(`Not sent to consent: ${response.statusCode} ${response.body}`);
  const id = target.slice(CONSENT_PAGE.length);
  // The id is in the redirect on purpose (the browser carries it), and nowhere else.
  return app.watch.secret(id, (text) => text.startsWith('{"statusCode":302'));
}

export async function consent(app: ForgeAppHarness, requestId: string, decision: 'approve' | 'deny', accountId: string | null): Promise<ResolverResponse<ConsentDecision>> {
  return app.invoke<ConsentDecision>('decideConsent' as ResolverKey, { requestId, decision }, accountId);
}

/** Consents as `accountId` and answers the code and state the browser brings back. */
export async function approve(app: ForgeAppHarness, requestId: string, accountId: string): Promise<{ code: string; state: string | null; redirectUrl: string }> {
  const answer = await consent(app, requestId, 'approve', accountId);
  if (!answer.success) throw new Error(`consent failed: ${JSON.stringify(answer.errors)}`);
  const url = new URL(answer.data.redirectUrl);
  const code = url.searchParams.get('code') ?? '';
  app.watch.secret(code, (text) => text.includes('"redirectUrl"'));
  return { code, state: url.searchParams.get('state'), redirectUrl: answer.data.redirectUrl };
}

export async function token(app: ForgeAppHarness, form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const response = await app.webTriggers['oauth-token']({ method: 'POST', headers: { 'Content-Type': ['application/x-www-form-urlencoded'] }, body: new URLSearchParams(form).toString() });
  const body = JSON.parse(response.body) as Record<string, string>;
  if (body['access_token'] !== undefined) app.watch.secret(body['access_token']);
  if (body['refresh_token'] !== undefined) app.watch.secret(body['refresh_token']);
  return { status: response.statusCode, body };
}

export const redeem = (app: ForgeAppHarness, l: IncomingLink, code: string, verifier: string | undefined, changes: Record<string, string> = {}) =>
  token(app, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: l.clientId, client_secret: l.secret, ...(verifier === undefined ? {} : { code_verifier: verifier }), ...changes });

/** The whole dance up to tokens. */
export async function fullFlow(app: ForgeAppHarness, l: IncomingLink, accountId: string): Promise<{ access: string; refresh: string; code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const requestId = requestIdOf(app, await authorize(app, requestFor(l, challenge)));
  const { code } = await approve(app, requestId, accountId);
  const answer = await redeem(app, l, code, verifier);
  if (answer.status !== 200) throw new Error(`redeem failed: ${JSON.stringify(answer.body)}`);
  return { access: answer.body['access_token']!, refresh: answer.body['refresh_token']!, code, verifier };
}
