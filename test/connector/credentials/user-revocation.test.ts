import type { CredentialRevocation, TokenRevocation } from '../../../contract';
import { revocationOutcomeOf } from '../../../connector/src/credentials/user-revocation';

/** What the users' page is told of a Disconnect, from the per-token report of revokeCredential. */
const token = (outcome: TokenRevocation['outcome'], code: string | null = null): TokenRevocation => ({ token: 'refresh_token', outcome, code, message: code });
const of = (...tokens: TokenRevocation[]): CredentialRevocation => ({ subject: 'user', tokens });

describe("a user's Disconnect, in one word", () => {
  it.each([
    ['nothing stored', of(), 'nothing-to-revoke'],
    ['both tokens revoked', of(token('revoked'), token('revoked')), 'revoked'],
    ['no revocation endpoint', of(token('not-supported', 'NO_REVOCATION_ENDPOINT'), token('not-supported', 'NO_REVOCATION_ENDPOINT')), 'no-endpoint'],
    ['an endpoint on another origin (the secret is not sent there)', of(token('failed', 'REVOCATION_ORIGIN_DIFFERS'), token('failed', 'REVOCATION_ORIGIN_DIFFERS')), 'no-endpoint'],
    ['a remote that hangs', of(token('failed', 'TIMEOUT'), token('revoked')), 'unreachable'],
    ['a connection refused', of(token('failed', 'CONNECTION_REFUSED')), 'unreachable'],
    ['a remote that refuses the client', of(token('revoked'), token('failed', 'INVALID_CLIENT')), 'refused'],
    ['unreachable wins over refused', of(token('failed', 'INVALID_CLIENT'), token('failed', 'DNS_FAILED')), 'unreachable'],
  ] as const)('%s', (_what, report, expected) => {
    expect(revocationOutcomeOf(report)).toBe(expected);
  });
});
