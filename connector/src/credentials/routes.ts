import { AuthorizeLinkResultSchema, CONNECTOR_PATHS, LinkParamsSchema } from '../../../contract';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import { HttpError } from '../http/errors';
import { OAuthError } from '../tokens';
import { CredentialError } from './errors';
import type { CallbackResult, CredentialService } from './service';

const SubjectSchema = z.string().min(1).max(255).regex(/^[^\x00-\x1F\x7F]+$/, 'must be a user name or account id');

export const AuthorizeInputSchema = z.strictObject({
  /** The user to authorize, for links that impersonate users. */
  subject: SubjectSchema.optional(),
});
export const TokenQuerySchema = z.strictObject({ subject: SubjectSchema.optional() });
export const ServedTokenSchema = z.object({
  accessToken: z.string(),
  tokenType: z.string(),
  expiresAt: z.string(),
  scopes: z.array(z.string()),
});

const V4_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The token read's common input, recognised without zod: `{ id }` holding a lowercase v4 UUID (what
 * the connector gives out, a subset of what `LinkParamsSchema` accepts) and no query at all.
 */
export const tokenReadAccepts = {
  params: (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null) return false;
    const id = (value as { id?: unknown }).id;
    return typeof id === 'string' && V4_UUID.test(id) && Object.keys(value).length === 1;
  },
  query: (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    for (const _key in value) return false;
    return Object.getOwnPropertySymbols(value).length === 0;
  },
};

/** Maps the credential layer's refusals to API errors. */
export function toHttp(error: unknown): unknown {
  if (error instanceof CredentialError) {
    switch (error.code) {
      case 'LINK_NOT_FOUND':
        return new HttpError('NOT_FOUND', error.message);
      case 'NOT_CONFIGURED':
        return new HttpError('LINK_NOT_CONFIGURED', error.message);
      case 'NOT_AUTHORIZED':
        return new HttpError('NOT_AUTHORIZED', error.message);
      case 'NEEDS_REAUTHORIZATION':
        return new HttpError('NEEDS_REAUTHORIZATION', error.message);
      case 'SUBJECT_REQUIRED':
      case 'SUBJECT_NOT_ALLOWED':
        return new HttpError('VALIDATION_FAILED', error.message, [{ path: 'subject', message: error.message }]);
      case 'NOT_AUTHORIZATION_CODE':
        return new HttpError('GRANT_MISMATCH', error.message);
      case 'TOKEN_UNAVAILABLE':
        return new HttpError('TOKEN_UNAVAILABLE', error.message);
    }
  }
  // The client's messages never carry a secret (tested there); they say what the remote answered.
  if (error instanceof OAuthError) return new HttpError('REMOTE_ERROR', `${error.code}: ${error.message}`, undefined, { cause: error });
  return error;
}

const mapped = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw toHttp(error);
  }
};

export function credentialRoutes(deps: { credentials: CredentialService }): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: CONNECTOR_PATHS.authorize,
      summary: 'Start authorizing a link: returns the URL to open (authorization code with PKCE), or connects at once (client credentials)',
      tags: ['tokens'],
      auth: ['operator', 'forge'],
      params: LinkParamsSchema,
      body: AuthorizeInputSchema,
      response: { status: 200, schema: AuthorizeLinkResultSchema, description: 'Where to send the person' },
      handler: ({ params, body }) =>
        mapped(async () => {
          const link = await deps.credentials.linkForAuthorization(params.id);
          if (link.outgoing.grantType === 'client_credentials') {
            await deps.credentials.obtainClientCredentials(params.id);
            return { authorizationUrl: null, expiresAt: null };
          }
          return deps.credentials.startAuthorization(params.id, body.subject);
        }),
    }),
    defineRoute({
      method: 'GET',
      url: CONNECTOR_PATHS.token,
      summary: 'A valid access token for a consumer (API key scoped to the link); refreshed first when needed',
      tags: ['tokens'],
      auth: ['consumer'],
      params: LinkParamsSchema,
      query: TokenQuerySchema,
      response: { status: 200, schema: ServedTokenSchema, description: 'The access token' },
      accepts: tokenReadAccepts,
      serializerOnly: true,
      handler: async ({ params, query, principal, reply }) => {
        if (principal?.linkIds?.includes(params.id) !== true) throw new HttpError('FORBIDDEN', 'This API key is not allowed to read tokens of that link.');
        void reply.header('cache-control', 'no-store');
        try {
          return await deps.credentials.getAccessToken(params.id, query.subject ?? '');
        } catch (error) {
          throw toHttp(error);
        }
      },
    }),
  ];
}

/**
 * The provider sends the person's browser here. It answers a short HTML page in every case, and
 * keeps the code out of logs (the logger drops query strings) and out of referrers.
 */
export function registerCallbackRoute(app: FastifyInstance, credentials: CredentialService): void {
  app.get(CONNECTOR_PATHS.oauthCallback, async (request, reply) => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    let result: CallbackResult;
    try {
      result = await credentials.completeAuthorization(query);
    } catch (error) {
      request.log.error({ err: error }, 'callback failed');
      result = { ok: false, title: 'Authorization failed', message: 'The connector could not complete the authorization. The cause has been logged.' };
    }
    return reply
      .code(result.ok ? 200 : 400)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .header('x-content-type-options', 'nosniff')
      .send(callbackPage(result));
  });
}

export function callbackPage(result: CallbackResult): string {
  const colour = result.ok ? '#1f845a' : '#c9372c';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(result.title)} - Application links connector</title>
<style>body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f7f8f9;color:#172b4d}
main{max-width:34rem;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #091e4240}h1{font-size:1.25rem;margin:0 0 .5rem;color:${colour}}</style></head>
<body><main role="main"><h1>${escapeHtml(result.title)}</h1><p>${escapeHtml(result.message)}</p></main></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
