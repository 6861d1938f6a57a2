import fc from 'fast-check';
import { OAuthEndpointError } from '../../src/incoming/oauth-error';
import { clientCredentials, MAX_BODY_BYTES, parseTokenRequest } from '../../src/incoming/token-request';
import type { WebTriggerRequest } from '../../src/webtriggers/web-trigger';

/**
 * Property-based tests of the token request parser over generated parameter lists: what it reads
 * does not depend on how a client spelled the form (`+` or `%20`, escaped or not, any order), a
 * repeated name is caught however it is spelled, the size limit sits exactly at 16 KiB of UTF-8,
 * and client credentials survive the trip through HTTP Basic or the body for any text.
 */

const FORM = 'application/x-www-form-urlencoded';
const request = (body: string, headers: Record<string, string[]> = {}): WebTriggerRequest => ({
  method: 'POST',
  headers: { 'Content-Type': [FORM], ...headers },
  body,
});

function outcome(run: () => unknown): { code: string; description: string } | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof OAuthEndpointError) return { code: error.code, description: error.description };
    throw error;
  }
}

/** Any text without lone surrogates (a form carries UTF-8). */
const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const name = fc.oneof(fc.constantFrom('grant_type', 'client_id', 'client_secret', 'scope', 'refresh_token', 'code'), text(6).filter((n) => n !== ''));
const value = fc.oneof(fc.constant(''), text(12));
/** Parameter lists whose names are all different. */
const uniquePairs = fc.uniqueArray(fc.tuple(name, value), { maxLength: 8, selector: ([n]) => n });

/** Three spellings of one form: URLSearchParams (`+`), encodeURIComponent (`%20`), every UTF-8 byte escaped. */
const escapeAll = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
const spellings = (pairs: ReadonlyArray<readonly [string, string]>) => [
  new URLSearchParams(pairs.map(([n, v]): [string, string] => [n, v])).toString(),
  pairs.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&'),
  pairs.map(([n, v]) => `${escapeAll(n)}=${escapeAll(v)}`).join('&'),
];
const expected = (pairs: ReadonlyArray<readonly [string, string]>) => new Map(pairs.filter(([, v]) => v !== ''));

describe('property: token request parameters', () => {
  it('are the same map of non-empty values whichever way the form is encoded', () => {
    fc.assert(
      fc.property(uniquePairs, (pairs) => {
        for (const body of spellings(pairs)) expect(parseTokenRequest(request(body))).toEqual(expected(pairs));
      }),
      { numRuns: 500 },
    );
  });

  it('do not depend on their order', () => {
    fc.assert(
      fc.property(uniquePairs.chain((pairs) => fc.tuple(fc.constant(pairs), fc.shuffledSubarray(pairs, { minLength: pairs.length }))), ([pairs, shuffled]) => {
        expect(parseTokenRequest(request(spellings(shuffled)[0]!))).toEqual(parseTokenRequest(request(spellings(pairs)[0]!)));
      }),
      { numRuns: 300 },
    );
  });

  it('are refused when any name comes twice, whatever the two values and however the second copy is escaped', () => {
    const withRepeat = uniquePairs
      .filter((pairs) => pairs.length > 0)
      .chain((pairs) =>
        fc.record({
          pairs: fc.constant(pairs),
          repeated: fc.nat({ max: pairs.length - 1 }),
          at: fc.nat({ max: pairs.length }),
          again: value,
          escaped: fc.boolean(),
        }),
      );
    fc.assert(
      fc.property(withRepeat, ({ pairs, repeated, at, again, escaped }) => {
        const repeatedName = pairs[repeated]![0];
        const copy = `${escaped ? escapeAll(repeatedName) : encodeURIComponent(repeatedName)}=${encodeURIComponent(again)}`;
        const parts = spellings(pairs)[1]!.split('&');
        // Inserted after the first copy, so the error names the one repeated name.
        parts.splice(Math.max(at, repeated + 1), 0, copy);
        expect(outcome(() => parseTokenRequest(request(parts.join('&'))))).toEqual({
          code: 'invalid_request',
          description: `The parameter ${repeatedName} is sent more than once.`,
        });
      }),
      { numRuns: 500 },
    );
  });

  it('are refused exactly when the body exceeds 16 KiB of UTF-8, whatever the characters', () => {
    const body = fc
      .record({ char: fc.constantFrom('a', 'é', '€', '😀', '+', '%41'), slack: fc.integer({ min: -8, max: 8 }) })
      .map(({ char, slack }) => `x=${char.repeat(Math.max(0, Math.floor((MAX_BODY_BYTES - 2) / Buffer.byteLength(char)) + slack))}`);
    fc.assert(
      fc.property(body, (b) => {
        const result = outcome(() => parseTokenRequest(request(b)));
        if (Buffer.byteLength(b, 'utf8') > MAX_BODY_BYTES) expect(result).toEqual({ code: 'invalid_request', description: 'The request body is too large.' });
        else expect(result).toBe('accepted');
      }),
      { numRuns: 200 },
    );
  });
});

describe('property: client credentials', () => {
  const credential = text(24).filter((s) => s !== '');
  const formEncode = (s: string) => new URLSearchParams([['', s]]).toString().slice(1);
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`, 'utf8').toString('base64')}`;

  it('read from HTTP Basic are the id and secret sent, for any text (colons, plus signs, percent signs included)', () => {
    fc.assert(
      fc.property(credential, credential, (id, secret) => {
        const req = request('grant_type=client_credentials', { Authorization: [basic(id, secret)] });
        expect(clientCredentials(req, parseTokenRequest(req))).toEqual({ clientId: id, clientSecret: secret, method: 'basic' });
      }),
      { numRuns: 500 },
    );
  });

  it('read from the body are the id and secret sent, for any text', () => {
    fc.assert(
      fc.property(credential, credential, (id, secret) => {
        const req = request(new URLSearchParams([['client_id', id], ['client_secret', secret]]).toString());
        expect(clientCredentials(req, parseTokenRequest(req))).toEqual({ clientId: id, clientSecret: secret, method: 'body' });
      }),
      { numRuns: 500 },
    );
  });

  it('are refused when sent both ways, and when the body names another client than Basic', () => {
    fc.assert(
      fc.property(credential, credential, credential, (id, secret, other) => {
        const both = request(new URLSearchParams([['client_secret', secret]]).toString(), { Authorization: [basic(id, secret)] });
        expect(outcome(() => clientCredentials(both, parseTokenRequest(both)))).toMatchObject({ code: 'invalid_request' });
        const mismatch = request(new URLSearchParams([['client_id', other]]).toString(), { Authorization: [basic(id, secret)] });
        const result = outcome(() => clientCredentials(mismatch, parseTokenRequest(mismatch)));
        if (other === id) expect(result).toBe('accepted');
        else expect(result).toEqual({ code: 'invalid_request', description: 'client_id in the body differs from the one in the Authorization header.' });
      }),
      { numRuns: 300 },
    );
  });
});

describe('Basic credentials, edge cases', () => {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const read = (headers: Record<string, string[]>, body = '') => {
    const req = request(body, headers);
    return outcome(() => clientCredentials(req, parseTokenRequest(req))) === 'accepted' ? clientCredentials(req, parseTokenRequest(req)) : outcome(() => clientCredentials(req, parseTokenRequest(req)));
  };

  it('reads a request without a body as no parameters', () => {
    expect(parseTokenRequest({ method: 'POST', headers: { 'Content-Type': [FORM] } })).toEqual(new Map());
  });

  it('reads Basic credentials followed by whitespace', () => {
    expect(read({ Authorization: [`Basic ${b64('id:secret')}  `] })).toEqual({ clientId: 'id', clientSecret: 'secret', method: 'basic' });
  });

  it('reads an empty client id from Basic (the endpoint then finds no such client)', () => {
    expect(read({ Authorization: [`Basic ${b64(':secret')}`] })).toEqual({ clientId: '', clientSecret: 'secret', method: 'basic' });
  });

  it('takes a scheme that only contains "basic" as another scheme', () => {
    expect(read({ Authorization: [`Bearer basic ${b64('id:secret')}`] }, 'client_id=id&client_secret=secret')).toEqual({
      code: 'invalid_client',
      description: 'Authenticate with HTTP Basic or with client_id and client_secret in the body.',
    });
  });
});
