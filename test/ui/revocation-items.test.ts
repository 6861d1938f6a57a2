import type { DeleteLinkResult } from '../../contract';
import { revocationItems } from '../../static/admin/src/screens/link-page/revocation-items';

/**
 * The delete's result page, item by item, for the outcomes the browser walk against the sandbox
 * (where everything is revoked) does not reach: a token the remote would not revoke and why, a
 * timeout, users' credentials, a connector that could not be reached or did not report.
 */
const base: DeleteLinkResult = {
  deleted: true,
  connector: 'deleted',
  remote: { removed: false, whatToCheck: [] },
  revocation: { connectorTokens: null, incomingClients: [] },
};

describe('the result page after a delete, item by item', () => {
  it('says which token was not revoked, why, and that the connector deleted it anyway', () => {
    const result: DeleteLinkResult = {
      ...base,
      revocation: {
        incomingClients: ['cloud-1'],
        connectorTokens: {
          endpoint: 'https://jira.example.com/rest/oauth2/latest/revoke',
          own: {
            subject: '',
            tokens: [
              { token: 'refresh_token', outcome: 'revoked', code: null, message: null },
              { token: 'access_token', outcome: 'failed', code: 'TIMEOUT', message: 'https://jira.example.com/rest/oauth2/latest/revoke did not answer within 5000 ms.' },
            ],
          },
          users: { credentials: 3, revoked: 2, notRevoked: 1, codes: ['INVALID_CLIENT'] },
        },
      },
    };
    expect(revocationItems(result, 'Jira Data Center')).toEqual([
      { key: 'refresh_token', outcome: 'revoked', text: 'Refresh token revoked at Jira Data Center (https://jira.example.com/rest/oauth2/latest/revoke).' },
      {
        key: 'access_token',
        outcome: 'not-revoked',
        code: 'TIMEOUT',
        text: 'Access token not revoked at Jira Data Center: https://jira.example.com/rest/oauth2/latest/revoke did not answer within 5000 ms. The connector deleted it anyway; Jira Data Center honours it until it expires.',
      },
      { key: 'users-revoked', outcome: 'revoked', text: "2 users' tokens revoked at Jira Data Center." },
      { key: 'users-not-revoked', outcome: 'not-revoked', code: 'INVALID_CLIENT', text: "1 user's tokens not revoked at Jira Data Center (INVALID_CLIENT); the connector deleted them anyway." },
      { key: 'incoming-cloud-1', outcome: 'revoked', text: "This site's client ID cloud-1 is deleted: every access and refresh token it issued to Jira Data Center is refused from now on." },
    ]);
  });

  it('marks a remote without revocation as not supported', () => {
    const result: DeleteLinkResult = {
      ...base,
      revocation: {
        incomingClients: [],
        connectorTokens: {
          endpoint: null,
          own: { subject: '', tokens: [{ token: 'access_token', outcome: 'not-supported', code: 'NO_REVOCATION_ENDPOINT', message: 'The link has no revocation endpoint: the remote is not asked to revoke.' }] },
          users: { credentials: 0, revoked: 0, notRevoked: 0, codes: [] },
        },
      },
    };
    expect(revocationItems(result, 'Custom')[0]).toMatchObject({ outcome: 'not-revoked', code: 'NO_REVOCATION_ENDPOINT', text: expect.stringMatching(/^Access token not revoked at Custom \(not supported\): The link has no revocation endpoint/) });
  });

  it('says the tokens were not revoked when the connector could not be reached, and when it did not report', () => {
    expect(revocationItems({ ...base, connector: 'not-deleted' }, 'Jira Data Center')).toEqual([
      { key: 'connector', outcome: 'not-revoked', text: 'The connector could not be reached: the tokens it holds for Jira Data Center were not revoked there.' },
    ]);
    expect(revocationItems(base, 'Jira Data Center')[0]).toMatchObject({ outcome: 'not-revoked', text: expect.stringMatching(/did not say whether it revoked/) });
  });

  it('says there was nothing to revoke when the connector held no tokens', () => {
    const result: DeleteLinkResult = { ...base, revocation: { incomingClients: [], connectorTokens: { endpoint: null, own: null, users: { credentials: 0, revoked: 0, notRevoked: 0, codes: [] } } } };
    expect(revocationItems(result, 'Jira Data Center')).toEqual([{ key: 'connector', outcome: 'none', text: 'The connector held no tokens for this link: nothing to revoke at Jira Data Center.' }]);
  });
});
