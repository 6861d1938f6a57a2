import { AuthorizeLinkResultSchema, CONNECTOR_PATHS, LinkParamsSchema } from '../../../contract';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute, type AnyRouteSpec } from '../http/route';
import { HttpError } from '../http/errors';
import { callbackPage } from './callback-page';
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
      handler: async ({ params, body }) => {
        const link = await deps.credentials.linkForAuthorization(params.id);
        if (link.outgoing.grantType === 'client_credentials') {
          await deps.credentials.obtainClientCredentials(params.id);
          return { authorizationUrl: null, expiresAt: null };
        }
        return deps.credentials.startAuthorization(params.id, body.subject);
      },
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
        return deps.credentials.getAccessToken(params.id, query.subject ?? '');
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
