import { bearerToken } from '../../../connector/src/http/auth';
import { ADMIN_TOKEN, startTestConnector, type TestConnector } from '../../helpers/connector-app';

/** RFC 7235 section 2.1: auth-scheme names are case-insensitive; RFC 6750 section 2.1: `Bearer b64token`. */
describe('reading a bearer token from the Authorization header', () => {
  const read = (authorization: string | undefined) => bearerToken({ headers: authorization === undefined ? {} : { authorization } });

  it.each([
    [undefined, 'no header'],
    ['', 'empty'],
    ['Bearer', 'a scheme without a token'],
    ['Bearer ', 'a scheme and a space'],
    ['Bearerabc', 'no space after the scheme'],
    ['Bearer\tabc', 'a tab instead of a space'],
    ['Basic abc', 'another scheme'],
    ['Token abc', 'another scheme'],
    ['Bearer abc def', 'two tokens'],
    ['Bearer abc=def', 'padding inside the token'],
    ['Bearer a,b', 'a character outside b64token'],
    ['xBearer abc', 'a prefix before the scheme'],
  ])('finds none in %j (%s)', (header, _what) => {
    expect(read(header)).toBeUndefined();
  });

  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['bEaReR abc', 'abc'],
    ['Bearer   abc', 'abc'],
    ['  bearer abc  ', 'abc'],
    ['Bearer AbC-._~+/9==', 'AbC-._~+/9=='],
  ])('reads %j as %j, the token exactly as sent', (header, token) => {
    expect(read(header)).toBe(token);
  });
});

describe('the connector accepts the scheme in any case', () => {
  let c: TestConnector;
  beforeAll(async () => {
    c = await startTestConnector();
  });
  afterAll(async () => {
    await c.close();
  });

  it.each(['bearer', 'BEARER', 'Bearer'])('answers the operator API for `%s <admin token>`', async (scheme) => {
    const res = await c.request({ method: 'GET', url: '/v1/links', token: null, headers: { authorization: `${scheme} ${ADMIN_TOKEN}` } });
    expect(res.statusCode).toBe(200);
  });

  it('still refuses a token that differs only in case', async () => {
    const res = await c.request({ method: 'GET', url: '/v1/links', token: null, headers: { authorization: `bearer ${ADMIN_TOKEN.toUpperCase()}` } });
    expect(res.statusCode).toBe(401);
  });
});
