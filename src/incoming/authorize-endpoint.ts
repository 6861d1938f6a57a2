import { errorFields, type Logger } from '../logger';
import type { LinkRepository } from '../storage/link-repository';
import { htmlPage, redirectPage } from '../webtriggers/html-page';
import type { WebTriggerHandler, WebTriggerRequest, WebTriggerResponse } from '../webtriggers/web-trigger';
import { CODE_CHALLENGE, type AuthorizationGrants } from './authorization-grants';
import type { IncomingClients } from './incoming-clients';
import { OAuthEndpointError } from './oauth-error';
import type { TokenService } from './token-service';

/** Where a signed-in account consents: the app's consent surface, opened on one pending request. */
export interface ConsentPage {
  /** Null when this installation cannot name it yet (the page then says where to go). */
  url(requestId: string): Promise<string | null>;
  /** Notes the site's URL when a page of the app is opened (resolver context), where the host needs it to build `url`. */
  noteSite?(siteUrl: string): Promise<void>;
}

export interface AuthorizeDeps {
  clients: IncomingClients;
  links: LinkRepository;
  tokens: TokenService;
  grants: AuthorizationGrants;
  consentPage: ConsentPage;
  logger: Logger;
}

/** An error that RFC 6749 section 4.1.2.1 sends back to the (verified) redirect URI. */
class RedirectableError extends Error {
  constructor(
    readonly code: 'invalid_request' | 'unsupported_response_type' | 'invalid_scope',
    readonly description: string,
  ) {
    super(code);
  }
}

/**
 * The authorization endpoint (RFC 6749 section 4.1.1, PKCE per RFC 7636), a web trigger the
 * remote's outgoing link sends the browser to. Web triggers are anonymous, so nobody consents
 * here: the checks run in a fixed order (client, then the exact registered redirect URI before
 * anything is redirected, then response type, state, scope, PKCE), and a request that passes
 * becomes a pending request (10 minutes) that the browser takes to the consent surface, where a
 * signed-in Atlassian account approves or denies it.
 */
export function createAuthorizeEndpoint(deps: AuthorizeDeps): WebTriggerHandler {
  return async (request) => {
    try {
      if (request.method.toUpperCase() !== 'GET') return errorPage(405, 'Use GET', ['The authorization endpoint is opened in a browser, with GET.']);
      const param = queryReader(request);
      const clientId = param('client_id');
      const client = clientId === undefined ? undefined : await deps.clients.find(clientId);
      if (client === undefined) {
        deps.logger.info('Authorization request for an unknown client', {});
        return errorPage(400, 'Unknown client', ['This site issued no client with this client_id, or it was revoked. Check the client ID in the outgoing link.']);
      }
      const link = await deps.links.get(client.linkId);
      const registered = link?.incoming;
      if (link === undefined || registered == null || registered.clientId !== client.clientId) {
        return errorPage(400, 'Unknown client', ['This client no longer belongs to a link on this site.']);
      }
      const redirectUri = param('redirect_uri');
      if (registered.redirectUri === null || registered.redirectUriIsPlaceholder) {
        deps.logger.info('Authorization request refused: the registered redirect URI is a placeholder', { clientId: client.clientId, linkId: link.id });
        return errorPage(400, 'Redirect URI not registered yet', [
          `The redirect URI registered for this client on link "${link.name}" is still a placeholder.`,
          `A Jira administrator must replace it on the link's page (Jira settings > Apps > OAuth 2.0 application links > ${link.name} > incoming credentials) with the redirect URI the remote's outgoing link shows, then try again.`,
        ]);
      }
      // Exact match only (RFC 9700 section 4.1.3): no prefix, no normalisation.
      if (redirectUri !== registered.redirectUri) {
        deps.logger.info('Authorization request refused: redirect URI mismatch', { clientId: client.clientId, linkId: link.id });
        return errorPage(400, 'Redirect URI mismatch', [
          'The redirect_uri of this request is missing or differs from the one registered for this client.',
          `Register exactly the outgoing link's redirect URI on the link "${link.name}" in Jira, or correct it in the outgoing link.`,
        ]);
      }
      const state = param('state');
      try {
        if (param('response_type') !== 'code') throw new RedirectableError('unsupported_response_type', 'Only response_type=code is supported.');
        if (state === undefined) throw new RedirectableError('invalid_request', 'state is required.');
        if (state.length > 1000) throw new RedirectableError('invalid_request', 'state is too long.');
        const scopes = scopesOf(deps.tokens, client.scopes, param('scope'));
        if (param('code_challenge_method') !== 'S256') throw new RedirectableError('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
        const codeChallenge = param('code_challenge');
        if (codeChallenge === undefined || !CODE_CHALLENGE.test(codeChallenge)) throw new RedirectableError('invalid_request', 'code_challenge must be BASE64URL(SHA-256(code_verifier)).');
        const { requestId } = await deps.grants.createPending({ clientId: client.clientId, linkId: link.id, generation: client.generation, redirectUri, scopes, state, codeChallenge });
        const consentUrl = await deps.consentPage.url(requestId);
        deps.logger.info('Authorization request waits for consent', { clientId: client.clientId, linkId: link.id, scopes });
        if (consentUrl === null) {
          return errorPage(503, 'Consent page not available', ['This site cannot name its consent page yet: a Jira administrator must open the app\'s admin page once, then try again.']);
        }
        return redirectPage(consentUrl, 'Approve access in Jira', `Sign in to Jira and approve the access that "${link.name}" asks for.`);
      } catch (error) {
        if (!(error instanceof RedirectableError)) throw error;
        deps.logger.info('Authorization request refused', { clientId: client.clientId, linkId: link.id, error: error.code });
        return redirectPage(withParams(redirectUri, { error: error.code, error_description: error.description, state }), 'Authorization refused', error.description);
      }
    } catch (error) {
      if (error instanceof DuplicateParameter) return errorPage(400, 'Invalid request', [`The parameter ${error.parameter} is sent more than once.`]);
      deps.logger.error('Authorization endpoint failed', errorFields(error));
      return errorPage(500, 'Something went wrong', ['The authorization endpoint failed; try again later.']);
    }
  };
}

function scopesOf(tokens: TokenService, granted: Parameters<TokenService['scopesFor']>[0], requested: string | undefined) {
  try {
    return tokens.scopesFor(granted, requested);
  } catch (error) {
    if (error instanceof OAuthEndpointError) throw new RedirectableError('invalid_scope', error.description);
    throw error;
  }
}

class DuplicateParameter extends Error {
  constructor(readonly parameter: string) {
    super(`duplicate ${parameter}`);
  }
}

/** A query parameter's one value; empty counts as absent, twice is an error (RFC 6749 section 3.1). */
function queryReader(request: WebTriggerRequest): (name: string) => string | undefined {
  return (name) => {
    const values = request.queryParameters?.[name] ?? [];
    if (values.length > 1) throw new DuplicateParameter(name);
    return values[0] === '' ? undefined : values[0];
  };
}

/** The redirect URI with parameters added, keeping its own query (RFC 6749 section 3.1.2). */
export function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}

function errorPage(status: number, title: string, paragraphs: string[]): WebTriggerResponse {
  return htmlPage(status, { title, paragraphs });
}
