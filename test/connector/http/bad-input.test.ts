import fc from 'fast-check';
import { CreateLinkInputSchema, ErrorEnvelopeSchema, UpdateLinkInputSchema, LinkViewSchema, REMOTE_KINDS } from '../../../contract';
import { BODY_LIMIT_BYTES } from '../../../connector/src/app';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';

/**
 * Generated bad input against every route that takes input: whatever arrives, the answer is a 4xx
 * with the error envelope and nothing changes. Valid inputs that the generators happen to produce
 * are filtered out with the contract's own schemas, so each run checks only what must be refused.
 */
const RUNS = 150;

const validCreate = {
  name: 'Reference',
  remoteKind: 'jira',
  applicationUrl: 'https://jira.example.com',
  outgoing: { clientId: 'client', clientSecret: 'reference-secret-0123456789', scopes: ['READ'] },
};

/** A valid body with one field replaced by an arbitrary JSON value, or an unknown field added. */
const mutatedCreate = fc.oneof(
  fc.record({ key: fc.constantFrom('name', 'remoteKind', 'applicationUrl', 'displayUrl', 'authKind', 'outgoing'), value: fc.jsonValue() }).map(({ key, value }) => ({ ...validCreate, [key]: value })),
  fc
    .record({ key: fc.constantFrom('clientId', 'clientSecret', 'scopes', 'authorizationEndpoint', 'tokenEndpoint', 'tenant', 'grantType', 'apiProbeUrl'), value: fc.jsonValue() })
    .map(({ key, value }) => ({ ...validCreate, outgoing: { ...validCreate.outgoing, [key]: value } })),
  fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(k in validCreate)).map((k) => ({ ...validCreate, [k]: 'x' })),
  fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(k in validCreate.outgoing)).map((k) => ({ ...validCreate, outgoing: { ...validCreate.outgoing, [k]: 'x' } })),
  fc.record({
    name: fc.string(),
    remoteKind: fc.constantFrom(...REMOTE_KINDS),
    applicationUrl: fc.oneof(fc.webUrl().map((u) => u.replace(/^https:/, 'http:')), fc.constantFrom('http://127.0.0.1', 'https://169.254.169.254/latest', 'https://[::1]/', 'ftp://x', 'javascript:alert(1)')),
  }),
  fc.jsonValue(),
);

const notJson = fc.oneof(
  fc.string({ minLength: 1 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.constantFrom('{', '{"name":', '[1,2', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', 'null garbage'),
);

describe('bad input on every route', () => {
  let c: TestConnector;
  let reference: string;
  let before: { count: number; reference: unknown; list: string };

  const snapshot = async () => ({
    count: await c.store.links.count(),
    reference: (await c.request({ method: 'GET', url: `/v1/links/${reference}` })).json(),
    list: JSON.stringify((await c.store.links.list({ limit: 500 })).items),
  });

  const expectRefused = (res: { statusCode: number; json: () => unknown }) => {
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(ErrorEnvelopeSchema.safeParse(res.json()).success).toBe(true);
  };

  beforeAll(async () => {
    c = await startTestConnector();
    c.watch.secret(validCreate.outgoing.clientSecret);
    const created = await c.request({ method: 'POST', url: '/v1/links', payload: validCreate });
    reference = LinkViewSchema.parse(created.json()).id;
    before = await snapshot();
  });
  afterAll(async () => {
    expect(await snapshot()).toEqual(before);
    expect(c.watch.leaks()).toEqual([]);
    await c.close();
  });

  it('POST /v1/links refuses generated invalid bodies and creates nothing', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedCreate, async (body) => {
        fc.pre(!CreateLinkInputSchema.safeParse(body).success || isPolicyViolation(body));
        const res = await c.request({ method: 'POST', url: '/v1/links', payload: body as object });
        expectRefused(res);
      }),
      { numRuns: RUNS },
    );
    expect(await c.store.links.count()).toBe(before.count);
  });

  it('PATCH /v1/links/:id refuses generated invalid bodies and leaves the link as it was', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedCreate, async (body) => {
        fc.pre(!UpdateLinkInputSchema.safeParse(body).success);
        const res = await c.request({ method: 'PATCH', url: `/v1/links/${reference}`, payload: body as object });
        expectRefused(res);
      }),
      { numRuns: RUNS },
    );
  });

  it('every body route refuses text that is not JSON with MALFORMED_JSON', async () => {
    await fc.assert(
      fc.asyncProperty(notJson, fc.constantFrom('POST /v1/links', `PATCH /v1/links/REF`), async (text, route) => {
        const [method, url] = route.replace('REF', reference).split(' ') as ['POST' | 'PATCH', string];
        const res = await c.request({ method, url, payload: text, headers: { 'content-type': 'application/json' } });
        expectRefused(res);
        expect((res.json() as { error: { code: string } }).error.code).toMatch(/^(MALFORMED_JSON|VALIDATION_FAILED)$/);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses bodies over the limit with 413, other media types with 415, and a body on a route that takes none', async () => {
    const huge = { ...validCreate, name: 'x'.repeat(BODY_LIMIT_BYTES + 1) };
    const tooBig = await c.request({ method: 'POST', url: '/v1/links', payload: huge });
    expectRefused(tooBig);
    expect(tooBig.statusCode).toBe(413);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await c.request({ method: 'POST', url: '/v1/links', payload: 'name=x', headers: { 'content-type': type } });
      expectRefused(res);
      expect(res.statusCode).toBe(415);
    }
    const withBody = await c.request({ method: 'DELETE', url: `/v1/links/${reference}`, payload: { force: true } });
    expectRefused(withBody);
    expect(withBody.statusCode).toBe(400);
  });

  it('GET /v1/links refuses generated invalid query strings', async () => {
    const badQuery = fc.oneof(
      fc.record({ limit: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 501 }), fc.string().filter((s) => !/^\s*\d+\s*$/.test(s) || Number(s) < 1 || Number(s) > 500)) }),
      fc.record({ cursor: fc.string({ minLength: 1, maxLength: 300 }) }),
      fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== 'limit' && k !== 'cursor').map((k) => ({ [k]: '1' })),
    );
    await fc.assert(
      fc.asyncProperty(badQuery, async (query) => {
        const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
        const res = await c.request({ method: 'GET', url: `/v1/links?${qs}` });
        expectRefused(res);
      }),
      { numRuns: RUNS },
    );
  });

  it('routes with an id refuse generated ids that are not link ids', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 100 }), fc.constantFrom('GET', 'PATCH', 'DELETE'), async (id, method) => {
        fc.pre(id !== reference);
        const res = await c.request({ method: method as 'GET', url: `/v1/links/${encodeURIComponent(id)}`, ...(method === 'PATCH' ? { payload: { name: 'x' } } : {}) });
        expectRefused(res);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Schema-valid bodies that the URL policy must still refuse (http or internal hosts). */
function isPolicyViolation(body: unknown): boolean {
  const parsed = CreateLinkInputSchema.safeParse(body);
  if (!parsed.success) return false;
  const url = new URL(parsed.data.applicationUrl);
  return url.protocol === 'http:' || /^(127\.|10\.|169\.254\.|\[)/.test(url.hostname) || url.hostname === 'localhost';
}
