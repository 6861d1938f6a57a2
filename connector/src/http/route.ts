import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z, type ZodType } from 'zod';
import { HttpError } from './errors';
import { parseInput } from './validation';
import type { Principal, PrincipalKind } from './auth';

/**
 * Routes are declared once, with zod schemas for every part of the request and for the response.
 * The same declaration registers the Fastify handler, parses the input at the edge, strips the
 * output to what the response schema names (so a field that is not in the contract, a secret
 * included, cannot leave by accident), and feeds `/openapi.json`.
 */
export interface RouteSpec<P, Q, B, R> {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  summary: string;
  tags: string[];
  /** Who may call it; an empty list means anyone (health, metrics, callback). */
  auth: PrincipalKind[];
  params?: ZodType<P>;
  query?: ZodType<Q>;
  /**
   * Cheap checks for the common, valid input of a hot route. When one returns true the raw value is
   * used as is, so it must accept only values its zod schema returns unchanged (a property test
   * holds each to that); when it returns false the zod parse decides, with its precise issues.
   */
  accepts?: { params?: (value: unknown) => boolean; query?: (value: unknown) => boolean };
  body?: ZodType<B>;
  response: { status: number; schema: ZodType<R> | null; description: string };
  /**
   * For the hottest route (a consumer's token read): the output is not parsed again with zod. The
   * compiled serializer writes only the properties the response schema names, so a field outside
   * the contract still cannot leave (tested); what the parse would add is a type check the
   * handler's TypeScript type already makes. Measured as a twentieth of a token read.
   */
  serializerOnly?: boolean;
  handler: (input: { params: P; query: Q; body: B; principal: Principal | null; request: FastifyRequest; reply: FastifyReply }) => Promise<R>;
}

export type AnyRouteSpec = RouteSpec<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RouteContext {
  /** The authentication for routes that allow these kinds of caller. */
  authenticate: (allowed: readonly PrincipalKind[]) => (request: FastifyRequest) => Promise<Principal>;
}

const EmptyBody = z.union([z.undefined(), z.null(), z.strictObject({})]);

function responseJsonSchema(schema: ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

export function defineRoute<P = undefined, Q = undefined, B = undefined, R = unknown>(spec: RouteSpec<P, Q, B, R>): RouteSpec<P, Q, B, R> {
  return spec;
}

export function registerRoute(app: FastifyInstance, context: RouteContext, spec: AnyRouteSpec): void {
  const authenticate = spec.auth.length === 0 ? null : context.authenticate(spec.auth);
  const acceptsParams = spec.accepts?.params;
  const acceptsQuery = spec.accepts?.query;
  app.route({
    method: spec.method,
    url: spec.url,
    config: { openapi: spec },
    // A compiled serializer for the response (fast-json-stringify) instead of JSON.stringify; the
    // zod parse below still decides what may leave.
    ...(spec.response.schema === null ? {} : { schema: { response: { [spec.response.status]: responseJsonSchema(spec.response.schema) } } }),
    handler: async (request, reply) => {
      const principal = authenticate === null ? null : await authenticate(request);
      const params: unknown =
        spec.params === undefined ? undefined : acceptsParams?.(request.params) === true ? request.params : parseInput(spec.params, request.params, 'params');
      const rawQuery: unknown = request.query ?? {};
      const query: unknown = spec.query === undefined ? undefined : acceptsQuery?.(rawQuery) === true ? rawQuery : parseInput(spec.query, rawQuery, 'query');
      // A route that takes no body refuses one with content (the common case, no body, is checked first).
      const body: unknown =
        spec.body !== undefined ? parseInput(spec.body, request.body, 'body') : request.body === undefined ? undefined : parseInput(EmptyBody, request.body, 'body') && undefined;
      const result = await spec.handler({ params, query, body, principal, request, reply });
      if (reply.sent) return reply;
      if (spec.response.schema === null) return reply.code(spec.response.status).send();
      if (spec.serializerOnly === true) return reply.code(spec.response.status).send(result);
      const output = spec.response.schema.safeParse(result);
      if (!output.success) throw new HttpError('INTERNAL', undefined, undefined, { cause: output.error });
      return reply.code(spec.response.status).send(output.data);
    },
  });
}
