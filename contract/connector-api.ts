import { z } from 'zod';
import { HttpUrlSchema, OutgoingInputSchema } from './links';

/**
 * The connector's HTTP API as the Forge app calls it (through Forge Remote) and as the connector
 * serves it: one table of paths, in Fastify's `:param` form. The connector registers its routes
 * with these patterns; the app fills them with `connectorPath`. DESIGN section 4 lists them.
 */
export const CONNECTOR_PATHS = {
  links: '/v1/links',
  link: '/v1/links/:id',
  /** POST `{ids}`: the credential summaries (state, expiry) of up to 500 links, for the links list. */
  credentialSummaries: '/v1/links/credentials',
  relocate: '/v1/links/:id/relocate',
  test: '/v1/links/:id/test',
  /** POST `{}`: where to send the admin to authorize the outgoing link (the connector's PKCE flow). */
  authorize: '/v1/links/:id/authorize',
  /** GET with a consumer's API key: a fresh access token. */
  token: '/v1/links/:id/token',
  /** POST `{url, kind?}`: what is at a URL (kind, version, OAuth 2.0 support, display URL), before a link is created. */
  probe: '/v1/probe',
  consumers: '/v1/consumers',
  consumer: '/v1/consumers/:id',
  /** POST `{code}`: bind the calling installation (schemas in `forge-channel.ts`). */
  forgePair: '/v1/forge/pair',
  /** GET: which installation the connector is paired with. */
  forgeStatus: '/v1/forge/status',
  /** GET: the last 30 days of a link's scheduled checks, uptime, latency, transitions, forecasts (`health.ts`). */
  health: '/v1/links/:id/health',
  /** POST `{ids}`: the health badge of up to 500 links, for the links list. */
  healthSummaries: '/v1/links/health',
  /** GET `?since=`: status transitions of every link, oldest first (for the Forge audit log). */
  transitions: '/v1/health/transitions',
  /** Where the remote sends the browser back after consent. */
  oauthCallback: '/oauth/callback',
} as const;
/**
 * Sent with `credentialSummaries` (value `1`), asks for each link's health badge in the same answer,
 * so the links list stays one connector call per page. A header rather than a body field: the
 * body's shape (`{ids}`) and the answer without it stay exactly as older callers know them.
 */
export const INCLUDE_HEALTH_HEADER = 'x-applinks-include-health';

export type ConnectorPath = (typeof CONNECTOR_PATHS)[keyof typeof CONNECTOR_PATHS];

type ParamsOf<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamsOf<`/${Rest}`> : P extends `${string}:${infer Name}` ? Name : never;

/** A path pattern with its parameters filled in, each URI-encoded (an id can never add a path segment). */
export function connectorPath<P extends ConnectorPath>(pattern: P, ...params: ParamsOf<P> extends never ? [] : [Record<ParamsOf<P>, string>]): string {
  const values = (params[0] ?? {}) as Record<string, string>;
  return pattern.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`connectorPath: no value for :${name} in ${pattern}`);
    return encodeURIComponent(value);
  });
}

/** The paths the Forge app calls, filled in (kept for the app's client and its test double). */
export const CONNECTOR_ROUTES = {
  links: CONNECTOR_PATHS.links,
  link: (id: string) => connectorPath(CONNECTOR_PATHS.link, { id }),
  credentialSummaries: CONNECTOR_PATHS.credentialSummaries,
  relocate: (id: string) => connectorPath(CONNECTOR_PATHS.relocate, { id }),
  test: (id: string) => connectorPath(CONNECTOR_PATHS.test, { id }),
  probe: CONNECTOR_PATHS.probe,
  authorize: (id: string) => connectorPath(CONNECTOR_PATHS.authorize, { id }),
  health: (id: string) => connectorPath(CONNECTOR_PATHS.health, { id }),
  healthSummaries: CONNECTOR_PATHS.healthSummaries,
  transitions: CONNECTOR_PATHS.transitions,
  forgePair: CONNECTOR_PATHS.forgePair,
  forgeStatus: CONNECTOR_PATHS.forgeStatus,
} as const;

/** Body of the connector's relocate route: the remote moved to a new URL. */
export const RelocateLinkInputSchema = z.strictObject({
  applicationUrl: HttpUrlSchema,
  displayUrl: HttpUrlSchema.nullable().optional(),
  /**
   * The outgoing client secret, entered again (write-only). Required when the move takes the token
   * endpoint to another origin: a secret is sent only to the origin it was entered for (issue 11.2),
   * and anyone can serve an applinks manifest at a host they control. Not needed otherwise.
   */
  clientSecret: OutgoingInputSchema.shape.clientSecret,
});
export type RelocateLinkInput = z.infer<typeof RelocateLinkInputSchema>;

/**
 * The connector's answer to authorize (`POST /v1/links/:id/authorize`), relayed as is by the
 * `authorizeLink` resolver: the URL to open, or null when the link connected at once (client credentials).
 */
export const AuthorizeLinkResultSchema = z.object({
  /** Where to send the person; null when the link uses client credentials and is already connected. */
  authorizationUrl: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type AuthorizeLinkResult = z.infer<typeof AuthorizeLinkResultSchema>;
