import fc from 'fast-check';
import { OAuthEndpointError } from '../../src/incoming/oauth-error';
import { clientCredentials, MAX_BODY_BYTES, parseTokenRequest } from '../../src/incoming/token-request';
import type { WebTriggerRequest } from '../../src/webtriggers/web-trigger';

/**
 * The token endpoint's request parsing (RFC 6749 sections 2.3.1 and 3.2), each check asserted by
 * its own code and message so that deleting it fails a test (a later check answering alike does
 * not hide it). Refusals first, then what is accepted.
 */

const FORM = 'application/x-www-form-urlencoded';
const request = (body: string, headers: Record<string, string[]> = {}, contentType = FORM): WebTriggerRequest => ({
  method: 'POST',
  headers: { 'Content-Type': [contentType], ...headers },
  body,
});

function refusal(run: () => unknown): { code: string; description: string } | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof OAuthEndpointError) return { code: error.code, description: error.description };
    throw error;
  }
}

describe('a parameter sent twice is refused, whatever its values', () => {
  it.each([
    ['client_id=&client_id=0123', 'client_id'],
    ['client_secret=&client_secret=s3cret', 'client_secret'],
    ['grant_type=&grant_type=client_credentials', 'grant_type'],
    ['scope=&scope=READ', 'scope'],
    ['refresh_token=&refresh_token=abc', 'refresh_token'],
    ['grant_type=client_credentials&grant_type=client_credentials', 'grant_type'],
    ['scope=READ&scope=', 'scope'],
    ['scope=&scope=', 'scope'],
    ['client%5Fid=&client_id=0123', 'client_id'],
    ['grant_type=client_credentials&scope=READ&grant_type=refresh_token', 'grant_type'],
  ])('%s', (body, name) => {
    expect(refusal(() => parseTokenRequest(request(body)))).toEqual({ code: 'invalid_request', description: `The parameter ${name} is sent more than once.` });
  });

  it('property: refused exactly when a name repeats; otherwise every non-empty value is kept', () => {
    const name = fc.constantFrom('grant_type', 'client_id', 'client_secret', 'scope', 'refresh_token', 'x', 'client id', 'ü');
    const value = fc.oneof(fc.constant(''), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 8 }), (pairs) => {
        const body = new URLSearchParams(pairs).toString();
        const names = pairs.map(([n]) => n);
        const repeated = names.find((n, i) => names.indexOf(n) !== i);
        const outcome = refusal(() => parseTokenRequest(request(body)));
        if (repeated !== undefined) return outcome !== 'accepted' && outcome.code === 'invalid_request' && outcome.description === `The parameter ${names.find((n, i) => names.slice(0, i).includes(n))} is sent more than once.`;
        const params = parseTokenRequest(request(body));
        return outcome === 'accepted' && [...params].every(([n, v]) => v !== '' && pairs.some(([pn, pv]) => pn === n && pv === v)) && pairs.every(([n, v]) => (v === '' ? !params.has(n) : params.get(n) === v));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the body', () => {
  it('is refused one byte over the limit, counted in UTF-8 bytes', () => {
    const tooLarge = { code: 'invalid_request', description: 'The request body is too large.' };
    expect(refusal(() => parseTokenRequest(request(`x=${'a'.repeat(MAX_BODY_BYTES - 1)}`)))).toEqual(tooLarge);
    expect(refusal(() => parseTokenRequest(request(`x=a${'é'.repeat(MAX_BODY_BYTES / 2 - 1)}`)))).toEqual(tooLarge);
  });

  it('is read at exactly the limit, 16 KiB', () => {
    expect(MAX_BODY_BYTES).toBe(16 * 1024);
    expect(parseTokenRequest(request(`x=${'a'.repeat(MAX_BODY_BYTES - 2)}`)).get('x')).toHaveLength(MAX_BODY_BYTES - 2);
  });

  it.each([
    ['application/json', 'The token endpoint takes a form-encoded body (application/x-www-form-urlencoded), not JSON.'],
    ['application/json; charset=utf-8', 'The token endpoint takes a form-encoded body (application/x-www-form-urlencoded), not JSON.'],
    ['text/plain', 'Send the parameters as a form-encoded body (Content-Type: application/x-www-form-urlencoded).'],
    ['multipart/form-data', 'Send the parameters as a form-encoded body (Content-Type: application/x-www-form-urlencoded).'],
  ])('of type %s is refused: %s', (type, description) => {
    expect(refusal(() => parseTokenRequest(request('grant_type=client_credentials', {}, type)))).toEqual({ code: 'invalid_request', description });
  });

  it('is refused with two Content-Type headers', () => {
    expect(refusal(() => parseTokenRequest({ method: 'POST', headers: { 'content-type': [FORM, FORM] }, body: '' }))).toMatchObject({ code: 'invalid_request' });
  });

  it('is read with a charset parameter and in any case of the type', () => {
    expect(parseTokenRequest(request('grant_type=client_credentials', {}, 'Application/X-WWW-Form-Urlencoded; charset=UTF-8')).get('grant_type')).toBe('client_credentials');
  });
});

describe('client authentication (RFC 6749 section 2.3.1)', () => {
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const credentials = (body: string, authorization?: string[]) => {
    const req = request(body, authorization === undefined ? {} : { Authorization: authorization });
    return refusal(() => clientCredentials(req, parseTokenRequest(req)));
  };

  it.each([
    ['two Authorization headers', '', [basic('a', 'b'), basic('a', 'b')], 'invalid_request', 'Send one Authorization header.'],
    ['Basic and client_secret in the body', 'client_secret=b', [basic('a', 'b')], 'invalid_request', 'Authenticate with HTTP Basic or with client_secret in the body, not both.'],
    ['a body client_id other than the Basic one', 'client_id=other', [basic('a', 'b')], 'invalid_request', 'client_id in the body differs from the one in the Authorization header.'],
    ['Basic that is not base64 (Node would skip the "!" and decode the rest)', '', [`Basic ${Buffer.from('a:b').toString('base64').replace(/^(..)/, '$1!')}`], 'invalid_client', 'The Basic credentials are malformed.'],
    ['Basic with nothing decodable', '', ['Basic !!!'], 'invalid_client', 'The Basic credentials are malformed.'],
    ['Basic without a colon', '', [`Basic ${Buffer.from('no-colon').toString('base64')}`], 'invalid_client', 'The Basic credentials are malformed.'],
    ['Basic with a broken percent-encoding', '', [basic('%zz', 'b')], 'invalid_client', 'The Basic credentials are malformed.'],
    ['another scheme', 'client_id=a&client_secret=b', ['Bearer abc'], 'invalid_client', 'Authenticate with HTTP Basic or with client_id and client_secret in the body.'],
    ['no credentials at all', '', undefined, 'invalid_client', 'Client authentication is required: send client_id and client_secret.'],
    ['an id without a secret', 'client_id=a', undefined, 'invalid_client', 'Client authentication is required: send client_id and client_secret.'],
    ['an empty secret (an empty value is an omitted one)', 'client_id=a&client_secret=', undefined, 'invalid_client', 'Client authentication is required: send client_id and client_secret.'],
  ])('refuses %s', (_what, body, authorization, code, description) => {
    expect(credentials(body, authorization)).toEqual({ code, description });
  });

  it('reads Basic with the scheme in any case, the id and secret form-decoded', () => {
    const req = request('', { authorization: [`bAsIc ${Buffer.from('a+b%3Ac:s%C3%A9cret+x').toString('base64')}`] });
    expect(clientCredentials(req, parseTokenRequest(req))).toEqual({ clientId: 'a b:c', clientSecret: 'sécret x', method: 'basic' });
  });

  it('reads the body form, and Basic with a matching body client_id', () => {
    const body = request('client_id=a&client_secret=b');
    expect(clientCredentials(body, parseTokenRequest(body))).toEqual({ clientId: 'a', clientSecret: 'b', method: 'body' });
    const both = request('client_id=a', { authorization: [basic('a', 'b')] });
    expect(clientCredentials(both, parseTokenRequest(both))).toEqual({ clientId: 'a', clientSecret: 'b', method: 'basic' });
  });
});
