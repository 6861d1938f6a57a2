import { UrlPolicy } from '../../../connector/src/outbound/url-policy';

/**
 * CONNECTOR_ALLOWED_HOSTS entries as operators type them, and the reasons the policy gives: each
 * a behaviour a mutant of url-policy.ts showed no test pinned down.
 */

describe('allow-list entries', () => {
  it('are read with spaces around them and in any case, port included', () => {
    const policy = new UrlPolicy([' Jira.Example.COM:8443 ', '\t[FD00::5]:9443 ']);
    expect(policy.check('http://jira.example.com:8443/').ok).toBe(true);
    expect(policy.check('http://[fd00::5]:9443/').ok).toBe(true);
    expect(policy.check('http://jira.example.com:8444/').ok).toBe(false);
  });

  it('take a bracketed IPv6 literal with a port, and with none (any port)', () => {
    const policy = new UrlPolicy(['[fd00::5]:8443', '[fd00::6]']);
    expect(policy.allows('fd00::5', 8443)).toBe(true);
    expect(policy.allows('fd00::5', 443)).toBe(false);
    expect(policy.allows('fd00::6', 1)).toBe(true);
    expect(policy.allows('[FD00::6]', 1)).toBe(true);
  });
});

describe('reasons', () => {
  const policy = new UrlPolicy([]);
  it.each([
    ['not a url', { ok: false, code: 'URL_INVALID', reason: 'is not an absolute URL' }],
    ['ftp://jira.example.com/', { ok: false, code: 'URL_INVALID', reason: 'must use https' }],
    [
      'http://jira.example.com:8080/',
      { ok: false, code: 'INSECURE_URL', reason: 'must use https (http is allowed only for hosts in CONNECTOR_ALLOWED_HOSTS, and jira.example.com:8080 is not there)' },
    ],
    [
      'https://api.localhost/',
      { ok: false, code: 'HOST_NOT_ALLOWED', reason: 'points at an internal address: api.localhost (a name for this machine); add api.localhost to CONNECTOR_ALLOWED_HOSTS if the connector should call it' },
    ],
  ])('%s: %j', (url, verdict) => {
    expect(policy.check(url)).toEqual(verdict);
  });
});
