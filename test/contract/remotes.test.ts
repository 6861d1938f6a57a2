import { REMOTE_KINDS, REMOTE_PRESETS, impliedScopes, compareVersions, kindForManifestTypeId, expandEndpoint } from '../../contract';
import * as jose from 'jose';

describe('remote presets', () => {
  it('jose loads', () => { expect(typeof jose.jwtVerify).toBe('function'); });
  it('has a preset for every kind', () => {
    for (const k of REMOTE_KINDS) expect(REMOTE_PRESETS[k].kind).toBe(k);
  });
  it('Jira ADMIN implies WRITE and READ but not SYSTEM_ADMIN', () => {
    expect([...impliedScopes('jira', ['ADMIN'])].sort()).toEqual(['ADMIN', 'READ', 'WRITE']);
  });
  it('compares versions numerically', () => {
    expect(compareVersions('11.10', '11.2')).toBe(1);
    expect(compareVersions('11.1.0', '11.2')).toBe(-1);
  });
  it('maps stash to bitbucket', () => { expect(kindForManifestTypeId('stash')).toBe('bitbucket'); });
  it('expands', () => { expect(expandEndpoint('{base}/x', { base: 'https://a/jira/' })).toBe('https://a/jira/x'); });
});
