import { ErrorEnvelopeSchema, isStorableText, LinkViewSchema, STORABLE_TEXT_MESSAGE } from '../../../contract';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';

/**
 * Issue 11.7: PostgreSQL cannot keep NUL or an unpaired surrogate (it answered 500), SQLite
 * could. Both stores must answer the same: a 400 at the edge naming the field, nothing stored.
 */
const UNSTORABLE = [
  ['a NUL character', 'Jira\u0000DC'],
  ['a lone high surrogate', 'Jira \uD83D DC'],
  ['a lone low surrogate', 'Jira \uDE00 DC'],
  ['a high surrogate at the end', 'Jira DC \uD83D'],
] as const;

const link = (changes: Record<string, unknown> = {}) => ({ name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com', ...changes });

describe('the one "text a database can keep" rule', () => {
  it('accepts ordinary and astral text (a surrogate pair), refuses NUL and unpaired surrogates', () => {
    expect(isStorableText('Jira DC 😀 — Zürich')).toBe(true);
    for (const [, value] of UNSTORABLE) expect(isStorableText(value)).toBe(false);
  });
});

describe.each(['sqlite', 'postgres'] as const)('text a database cannot keep, through the HTTP API on %s', (dialect) => {
  let c: TestConnector;
  beforeAll(async () => {
    c = await startTestConnector({ dialect });
  });
  afterAll(async () => {
    await c.close();
  });

  const expectRefused = (res: { statusCode: number; json(): unknown }, path: string) => {
    expect(res.statusCode).toBe(400);
    const body = ErrorEnvelopeSchema.parse(res.json());
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.issues).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(STORABLE_TEXT_MESSAGE) }));
  };

  it.each(UNSTORABLE)('a link name with %s is a 400 and nothing is stored', async (_what, name) => {
    const before = await c.store.links.count();
    expectRefused(await c.request({ method: 'POST', url: '/v1/links', payload: link({ name }) }), 'name');
    expect(await c.store.links.count()).toBe(before);
  });

  it.each(UNSTORABLE)('renaming a link to a name with %s is a 400 and the name stays', async (_what, name) => {
    const created = await c.request({ method: 'POST', url: '/v1/links', payload: link() });
    expect(created.statusCode).toBe(201);
    const { id } = LinkViewSchema.parse(created.json());
    expectRefused(await c.request({ method: 'PATCH', url: `/v1/links/${id}`, payload: { name } }), 'name');
    expect((await c.store.links.get(id))?.name).toBe('Jira DC');
  });

  it.each(UNSTORABLE)('a consumer name with %s is a 400 and nothing is stored', async (_what, name) => {
    const created = await c.request({ method: 'POST', url: '/v1/links', payload: link() });
    const { id } = LinkViewSchema.parse(created.json());
    const before = (await c.store.consumers.list()).length;
    expectRefused(await c.request({ method: 'POST', url: '/v1/consumers', payload: { name, linkIds: [id] } }), 'name');
    expect((await c.store.consumers.list()).length).toBe(before);
  });

  it('a URL with an unpaired surrogate is a 400 too', async () => {
    const before = await c.store.links.count();
    expectRefused(await c.request({ method: 'POST', url: '/v1/links', payload: link({ applicationUrl: 'https://jira.example.com/\uD83D' }) }), 'applicationUrl');
    expect(await c.store.links.count()).toBe(before);
  });

  it('a name with astral characters (a surrogate pair) is stored and read back exactly', async () => {
    const name = 'Jira DC 😀 — Zürich';
    const created = await c.request({ method: 'POST', url: '/v1/links', payload: link({ name }) });
    expect(created.statusCode).toBe(201);
    const { id } = LinkViewSchema.parse(created.json());
    expect(LinkViewSchema.parse((await c.request({ method: 'GET', url: `/v1/links/${id}` })).json()).name).toBe(name);
    const consumer = await c.request({ method: 'POST', url: '/v1/consumers', payload: { name, linkIds: [id] } });
    expect(consumer.statusCode).toBe(201);
  });
});
