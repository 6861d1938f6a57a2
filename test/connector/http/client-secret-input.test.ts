import { ErrorEnvelopeSchema, OutgoingInputSchema, OutgoingPatchSchema } from '../../../contract';
import { startTestConnector, type TestConnector } from '../../helpers/connector-app';

/**
 * Client secrets outside visible ASCII (RFC 6749 appendix A.2, VSCHAR %x20-7E) are refused where
 * they come in, with a 400 that names the field and the rule, instead of being stored and failing
 * later at authorize with CREDENTIALS_MISSING.
 */
describe('client secret characters', () => {
  it.each([
    ['sécret-with-an-accent', 'Latin-1'],
    ['пароль-0123456789', 'Cyrillic'],
    ['secret-🔑-emoji', 'astral plane'],
    ['tab\there', 'control character'],
    ['line\nbreak', 'line break'],
    ['del\u007fchar', 'DEL'],
    ['nbsp\u00a0inside', 'no-break space'],
  ])('refuses %j (%s) on create and on update', (secret) => {
    for (const schema of [OutgoingInputSchema, OutgoingPatchSchema]) {
      const result = schema.safeParse({ clientSecret: secret });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]).toMatchObject({ path: ['clientSecret'], message: expect.stringContaining('RFC 6749 appendix A.2') });
    }
  });

  it.each([['plain-secret-0123456789'], ['with space and ~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./'], ['A'.repeat(4096)]])('accepts %j', (secret) => {
    expect(OutgoingInputSchema.safeParse({ clientSecret: secret }).success).toBe(true);
  });
});

describe('the connector refuses a non-ASCII client secret with a 400 that does not repeat it', () => {
  let c: TestConnector;
  beforeAll(async () => {
    c = await startTestConnector();
  });
  afterAll(async () => {
    expect(c.watch.leaks()).toEqual([]);
    await c.close();
  });

  it('on create, and creates nothing', async () => {
    const secret = c.watch.secret('ünïcödé-secret-0123456789');
    const res = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: { name: 'DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com', outgoing: { clientId: 'abc', clientSecret: secret, scopes: ['READ'] } },
    });
    expect(res.statusCode).toBe(400);
    const body = ErrorEnvelopeSchema.parse(res.json());
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(body)).toContain('RFC 6749 appendix A.2');
    expect(res.body).not.toContain('cödé');
    expect((await c.request({ method: 'GET', url: '/v1/links' })).json()).toMatchObject({ items: [] });
  });

  it('on update, and keeps the stored secret', async () => {
    const created = await c.request({
      method: 'POST',
      url: '/v1/links',
      payload: { name: 'DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com', outgoing: { clientId: 'abc', clientSecret: c.watch.secret('ascii-secret-0123456789'), scopes: ['READ'] } },
    });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    const res = await c.request({ method: 'PATCH', url: `/v1/links/${id}`, payload: { outgoing: { clientSecret: c.watch.secret('naïve-secret-0123456789') } } });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain('RFC 6749 appendix A.2');
    const view = (await c.request({ method: 'GET', url: `/v1/links/${id}` })).json() as { outgoing: { clientSecretFingerprint: { last4: string | null } | null } };
    expect(view.outgoing.clientSecretFingerprint).toMatchObject({ last4: '6789' });
  });
});
