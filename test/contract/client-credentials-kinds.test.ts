import {
  DVCS_PERMISSIONS,
  bitbucketCloudApiBase,
  linkRuleViolations,
  missingDvcsPermissions,
  offeredScopes,
  serviceAccountsOffered,
  REMOTE_PRESETS,
} from '../../contract';

describe('Data Center service accounts by version', () => {
  it('are offered from the minimum version on, not before, and unknown without a version', () => {
    expect(serviceAccountsOffered('jira', '11.3.0')).toBe(true);
    expect(serviceAccountsOffered('jira', '11.10.1')).toBe(true);
    expect(serviceAccountsOffered('jira', '11.2.4')).toBe(false);
    expect(serviceAccountsOffered('bamboo', '12.0.0')).toBe(true);
    expect(serviceAccountsOffered('bamboo', '11.1.0')).toBe(false);
    expect(serviceAccountsOffered('crowd', '7.1.0')).toBe(true);
    expect(serviceAccountsOffered('jira', null)).toBeNull();
    expect(serviceAccountsOffered('bitbucket-cloud', '99')).toBe(false);
    expect(serviceAccountsOffered('google', undefined)).toBe(false);
  });

  it('let a Data Center link use client credentials, with Jira scopes READ and WRITE only; other families keep their grants', () => {
    const link = { authKind: 'oauth2', authorizationEndpoint: null, tokenEndpoint: 'https://jira.example.com/rest/oauth2/latest/token', grantType: 'client_credentials' } as const;
    expect(linkRuleViolations({ ...link, remoteKind: 'jira', scopes: ['READ', 'WRITE'] })).toEqual([]);
    expect(linkRuleViolations({ ...link, remoteKind: 'jira', scopes: ['READ', 'ADMIN'] })).toEqual([
      { path: 'outgoing.scopes.1', message: 'a service account cannot hold "ADMIN"; it may hold READ, WRITE' },
    ]);
    expect(linkRuleViolations({ ...link, remoteKind: 'confluence', scopes: ['ADMIN'] })).toEqual([]);
    expect(linkRuleViolations({ ...link, remoteKind: 'google', scopes: ['openid'] }).map((p) => p.path)).toEqual(['outgoing.grantType']);
    expect(offeredScopes('jira', 'client_credentials', REMOTE_PRESETS.jira.scopes).map((s) => s.name)).toEqual(['READ', 'WRITE']);
    expect(offeredScopes('jira', 'authorization_code', REMOTE_PRESETS.jira.scopes)).toHaveLength(4);
  });
});

describe('Bitbucket Cloud', () => {
  it('takes its API from api.bitbucket.org for bitbucket.org, and from {base}/2.0 for a stand-in', () => {
    expect(bitbucketCloudApiBase('https://bitbucket.org/')).toBe('https://api.bitbucket.org/2.0');
    expect(bitbucketCloudApiBase('https://bitbucket.org/acme')).toBe('https://api.bitbucket.org/2.0');
    expect(bitbucketCloudApiBase('http://127.0.0.1:9999')).toBe('http://127.0.0.1:9999/2.0');
  });

  it('names the DVCS permissions a token lacks, counting the scopes that imply them', () => {
    expect(missingDvcsPermissions(['account:write', 'repository:admin', 'pullrequest:write', 'webhook'])).toEqual([]);
    expect(missingDvcsPermissions(['account', 'repository:write', 'webhook']).map((p) => p.label)).toEqual([
      'Account: Write',
      'Repositories: Admin',
      'Pull requests: Read',
    ]);
    expect(missingDvcsPermissions([])).toEqual(DVCS_PERMISSIONS);
  });
});
