import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import Fastify from 'fastify';
import { z } from 'zod';
import { LinkParamsSchema } from '../../../contract';
import { TokenQuerySchema, tokenReadAccepts } from '../../../connector/src/credentials/routes';
import { registerRoute, defineRoute } from '../../../connector/src/http/route';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';

/**
 * The token read skips three general steps for speed (issue 3's benchmark): zod on its params and
 * query when a cheap check recognises them, and zod on its output. These tests hold each shortcut
 * to what the general step guaranteed.
 */
describe('the token read fast path', () => {
  it('recognises only params the zod schema returns unchanged', () => {
    const candidates = fc.oneof(
      fc.uuid({ version: 4 }).map((id) => ({ id })),
      fc.uuid().map((id) => ({ id })),
      fc.uuid({ version: 4 }).map((id) => ({ id: id.toUpperCase() })),
      fc.record({ id: fc.string() }),
      fc.record({ id: fc.uuid({ version: 4 }), extra: fc.string() }),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.jsonValue(),
    );
    let accepted = 0;
    fc.assert(
      fc.property(candidates, (value) => {
        if (!tokenReadAccepts.params(value)) return;
        accepted += 1;
        expect(LinkParamsSchema.parse(value)).toEqual(value);
      }),
      { numRuns: 2000 },
    );
    // The property says nothing if the shortcut never fires.
    expect(accepted).toBeGreaterThan(100);
    expect(tokenReadAccepts.params({ id: randomUUID().toUpperCase() })).toBe(false);
  });

  it('recognises only an empty query, which the zod schema returns unchanged', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(fc.constant({}), fc.constant(Object.create(null) as object), fc.dictionary(fc.string(), fc.string()), fc.jsonValue()), (value) => {
        if (!tokenReadAccepts.query(value)) return;
        accepted += 1;
        expect({ ...TokenQuerySchema.parse(value) }).toEqual({ ...(value as object) });
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(10);
  });

  it('sends only the fields the response schema names when the zod output parse is skipped', async () => {
    const app = Fastify();
    registerRoute(
      app,
      { authenticate: () => async () => ({ kind: 'operator', id: 'test' }) },
      defineRoute({
        method: 'GET',
        url: '/hot',
        summary: 'a hot route that returns more than its contract',
        tags: [],
        auth: [],
        serializerOnly: true,
        response: { status: 200, schema: z.object({ accessToken: z.string(), nested: z.object({ kept: z.string() }) }), description: 'token' },
        handler: async () => ({ accessToken: 'a', refreshToken: 'must-not-leave', nested: { kept: 'k', clientSecret: 'must-not-leave' } }),
      }),
    );
    const res = await app.inject({ method: 'GET', url: '/hot' });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accessToken: 'a', nested: { kept: 'k' } });
    expect(res.body).not.toContain('must-not-leave');
  });
});

describe('the token read through the connector', () => {
  let c: TestConnector;
  let linkId: string;
  let apiKey: string;

  beforeAll(async () => {
    c = await startTestConnector();
    const link = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: { name: 'Fast path', remoteKind: 'jira', applicationUrl: 'https://jira.example.com', outgoing: { clientId: 'c', clientSecret: 'fast-path-secret-0123456789', scopes: ['READ'] } },
    });
    linkId = (link.json() as { id: string }).id;
    const consumer = await c.request({ method: 'POST', url: '/v1/consumers', payload: { name: 'reader', linkIds: [linkId] } });
    apiKey = c.watch.secret((consumer.json() as { apiKey: string }).apiKey, (text) => text.startsWith('201 ') && text.includes('"apiKey"'));
  });
  afterAll(async () => {
    expect(c.watch.leaks()).toEqual([]);
    await c.close();
  });

  it('still answers input the shortcut does not recognise through zod, with its issues', async () => {
    // An upper-case id is a valid UUID: zod takes it (and the consumer is not allowed that spelling).
    const upper = await c.request({ method: 'GET', url: `/v1/links/${linkId.toUpperCase()}/token`, token: apiKey });
    expect(upper.statusCode).toBe(403);
    const badId = await c.request({ method: 'GET', url: '/v1/links/not-a-uuid/token', token: apiKey });
    expect(badId.statusCode).toBe(400);
    expect(badId.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', issues: [{ path: 'id' }] } });
    const unknown = await c.request({ method: 'GET', url: `/v1/links/${linkId}/token?scope=admin`, token: apiKey });
    expect(unknown.statusCode).toBe(400);
    expect(JSON.stringify(unknown.json())).toContain('unknown field(s): scope');
    const empty = await c.request({ method: 'GET', url: `/v1/links/${linkId}/token?subject=`, token: apiKey });
    expect(empty.statusCode).toBe(400);
    // The common input reaches the credential layer: no token yet, so 409-class NOT_AUTHORIZED.
    const plain = await c.request({ method: 'GET', url: `/v1/links/${linkId}/token`, token: apiKey });
    expect(plain.json()).toMatchObject({ error: { code: 'NOT_AUTHORIZED' } });
  });

  it('counts every request per route and status, with a duration histogram, and logs one line per request without the query', async () => {
    for (let i = 0; i < 3; i++) await c.request({ method: 'GET', url: `/v1/links/${linkId}/token?code=query-must-not-be-logged`, token: apiKey });
    const metrics = (await c.request({ method: 'GET', url: '/metrics', token: null })).body;
    const route = 'method="GET",route="/v1/links/:id/token"';
    const count = Number(new RegExp(`applinks_http_request_duration_seconds_count\\{${route}\\} (\\d+)`).exec(metrics)?.[1]);
    const inf = Number(new RegExp(`applinks_http_request_duration_seconds_bucket\\{${route},le="\\+Inf"\\} (\\d+)`).exec(metrics)?.[1]);
    const status400 = Number(new RegExp(`applinks_http_requests_total\\{${route},status="400"\\} (\\d+)`).exec(metrics)?.[1]);
    expect(status400).toBeGreaterThanOrEqual(3);
    expect(inf).toBe(count);
    const byStatus = [...metrics.matchAll(new RegExp(`applinks_http_requests_total\\{${route},status="\\d+"\\} (\\d+)`, 'g'))].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(byStatus).toBe(count);
    // Buckets are cumulative: never decreasing up to +Inf.
    const buckets = [...metrics.matchAll(new RegExp(`applinks_http_request_duration_seconds_bucket\\{${route},le="[^"]+"\\} (\\d+)`, 'g'))].map((m) => Number(m[1]));
    expect(buckets.length).toBe(13);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(metrics).toMatch(/# TYPE applinks_http_request_duration_seconds histogram/);
    expect(metrics).toMatch(/# TYPE applinks_http_requests_total counter/);

    const lines = c.watch.lines.filter((l) => l.includes('"request completed"') && l.includes('/v1/links/:id/token'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(c.watch.lines.join('\n')).not.toContain('query-must-not-be-logged');
  });
});
