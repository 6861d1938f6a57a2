import { UrlPolicy } from '../../../connector/src/outbound/url-policy';

/**
 * UrlPolicy: one table per allow-list form (`host`, `host:port`, `*.domain`, IP literal), the
 * URLs it must not allow first, then the ones it allows. A URL the list does not cover must be
 * https to a host that is not internal.
 */

const allowed = (entries: string[], url: string) => new UrlPolicy(entries).isHostAllowed(new URL(url));

describe('a `host` entry', () => {
  const entry = ['jira.example.com'];
  it.each([
    'https://example.com/',
    'https://www.jira.example.com/',
    'https://jira.example.com.evil.test/',
    'https://jira-example.com/',
    'https://xjira.example.com/',
  ])('does not allow %s', (url) => expect(allowed(entry, url)).toBe(false));
  it.each([
    'https://jira.example.com/',
    'http://jira.example.com/',
    'https://jira.example.com:8443/',
    'http://JIRA.Example.COM:8080/',
    'https://jira.example.com./',
  ])('allows %s, at any port', (url) => expect(allowed(entry, url)).toBe(true));
});

describe('a `host:port` entry', () => {
  const entry = ['jira.example.com:8443'];
  it.each([
    'https://jira.example.com/',
    'http://jira.example.com/',
    'https://jira.example.com:8444/',
    'https://jira.example.com:443/',
    'http://jira.example.com:80/',
    'https://other.example.com:8443/',
  ])('does not allow %s', (url) => expect(allowed(entry, url)).toBe(false));
  it.each(['https://jira.example.com:8443/', 'http://jira.example.com:8443/token'])('allows %s', (url) => expect(allowed(entry, url)).toBe(true));

  it('takes the default port of the scheme when the URL has none', () => {
    expect(allowed(['jira.example.com:443'], 'https://jira.example.com/')).toBe(true);
    expect(allowed(['jira.example.com:443'], 'http://jira.example.com/')).toBe(false);
    expect(allowed(['jira.example.com:80'], 'http://jira.example.com/')).toBe(true);
  });

  it('is what `allows(host, port)` answers for a connection', () => {
    const policy = new UrlPolicy(entry);
    expect(policy.allows('jira.example.com', 8444)).toBe(false);
    expect(policy.allows('jira.example.com', 443)).toBe(false);
    expect(policy.allows('jira.example.com', 8443)).toBe(true);
    expect(policy.allows('jira.example.com', '8443')).toBe(true);
  });
});

describe('a `*.domain` entry', () => {
  const entry = ['*.corp.example'];
  it.each([
    // Long names that merely end with the domain's letters: a wildcard test with `||` instead of
    // `&&` would take any of them.
    ['https://evilcorp.example/', 'ends with the letters, no dot'],
    ['https://xcorp.example/', 'one letter more'],
    ['https://corp.example/', 'the bare domain'],
    ['https://.corp.example/', 'an empty label'],
    ['https://corp.example.evil.test/', 'the domain as a prefix'],
    ['https://a-very-long-name-that-is-longer-than-the-pattern.example/', 'a long name in the parent domain'],
    ['https://example/', 'the parent'],
  ])('does not allow %s (%s)', (url) => expect(allowed(entry, url)).toBe(false));
  it.each(['https://jira.corp.example/', 'https://a.b.corp.example:8443/', 'http://JIRA.CORP.EXAMPLE/'])('allows %s', (url) => expect(allowed(entry, url)).toBe(true));

  it('with a port, allows subdomains at that port only', () => {
    expect(allowed(['*.corp.example:8443'], 'https://jira.corp.example/')).toBe(false);
    expect(allowed(['*.corp.example:8443'], 'https://jira.corp.example:8443/')).toBe(true);
  });

  it('never matches an IP literal', () => {
    expect(allowed(['*.0.0.1'], 'https://127.0.0.1/')).toBe(false);
  });
});

describe('an IP literal entry', () => {
  it.each([
    [['10.0.0.5'], 'https://10.0.0.6/'],
    [['10.0.0.5'], 'https://10.0.0.50/'],
    [['10.0.0.5:8443'], 'https://10.0.0.5/'],
    [['[fd00::5]'], 'https://[fd00::6]/'],
    [['[fd00::5]:8443'], 'https://[fd00::5]:8444/'],
    [['10.0.0.5'], 'https://10.0.0.5.nip.io/'],
  ])('%j does not allow %s', (entries, url) => expect(allowed(entries, url)).toBe(false));
  it.each([
    [['10.0.0.5'], 'https://10.0.0.5/'],
    [['10.0.0.5'], 'http://10.0.0.5:8080/'],
    [['10.0.0.5:8443'], 'https://10.0.0.5:8443/'],
    [['[fd00::5]'], 'https://[fd00::5]/'],
    [['fd00::5'], 'https://[fd00:0::0:5]/'],
    [['[fd00::5]:8443'], 'https://[fd00::5]:8443/'],
    // Spellings of one address are one address.
    [['[::ffff:10.0.0.5]'], 'https://[::ffff:a00:5]/'],
    [['10.0.0.5'], 'https://167772165/'],
  ])('%j allows %s', (entries, url) => expect(allowed(entries, url)).toBe(true));

  it('matches a connection\'s host in any spelling of the listed address', () => {
    const policy = new UrlPolicy(['[::ffff:10.0.0.5]', '[fd00::5]:8443']);
    expect(policy.allows('0:0:0:0:0:ffff:a00:6', 443)).toBe(false);
    expect(policy.allows('0:0:0:0:0:ffff:a00:5', 443)).toBe(true);
    expect(policy.allows('::FFFF:10.0.0.5', 80)).toBe(true);
    expect(policy.allows('FD00:0:0:0:0:0:0:5', 8443)).toBe(true);
    expect(policy.allows('[fd00::5]', 8443)).toBe(true);
  });
});

describe('check: what may be saved as a link URL', () => {
  const policy = new UrlPolicy(['jira.internal:8080', '*.corp.example'], { localAddresses: () => ['203.0.114.7'] });

  it.each([
    ['ftp://jira.example.com/', 'URL_INVALID'],
    ['not a url', 'URL_INVALID'],
    ['http://jira.example.com/', 'INSECURE_URL'],
    ['http://jira.internal:8081/', 'INSECURE_URL'],
    ['https://127.0.0.1/', 'HOST_NOT_ALLOWED'],
    ['https://127.0.0.1./', 'HOST_NOT_ALLOWED'],
    ['https://2130706433/', 'HOST_NOT_ALLOWED'],
    ['https://0x7f.1/', 'HOST_NOT_ALLOWED'],
    ['https://[::ffff:127.0.0.1]/', 'HOST_NOT_ALLOWED'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'HOST_NOT_ALLOWED'],
    ['https://[2002:a00:1::]/', 'HOST_NOT_ALLOWED'],
    ['https://localhost/', 'HOST_NOT_ALLOWED'],
    ['https://LOCALHOST./', 'HOST_NOT_ALLOWED'],
    ['https://api.localhost/', 'HOST_NOT_ALLOWED'],
    ['https://203.0.114.7/', 'HOST_NOT_ALLOWED'],
  ])('refuses %s with %s', (url, code) => {
    const verdict = policy.check(url);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? undefined : verdict.code).toBe(code);
  });

  it('shows the address and the range it is in', () => {
    const verdict = policy.check('https://[::ffff:a9fe:a9fe]/latest/meta-data/');
    expect(verdict).toEqual({
      ok: false,
      code: 'HOST_NOT_ALLOWED',
      reason: expect.stringContaining('::ffff:a9fe:a9fe (IPv4-mapped address of 169.254.169.254 (link-local, 169.254.0.0/16))'),
    });
    expect(policy.check('https://203.0.114.7/')).toMatchObject({ reason: expect.stringContaining("203.0.114.7 (an address of the connector's own host)") });
  });

  it.each(['https://jira.example.com/', 'http://jira.internal:8080/', 'https://jira.corp.example/', 'http://jira.corp.example/', 'https://8.8.8.8/', 'https://[64:ff9b::808:808]/'])('accepts %s', (url) => {
    expect(policy.check(url).ok).toBe(true);
  });
});
