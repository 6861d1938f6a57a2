import type { AuthKind, CredentialSummary } from '../../../../contract';
import { formatTime } from '../format';

/**
 * The outgoing credential in a few words: whether the link can call the remote now, until when,
 * and whether someone must act. `undefined` means the connector did not say (see `unknown`).
 */
export function CredentialState({ credential, authKind, unknown }: { credential: CredentialSummary | null | undefined; authKind: AuthKind | undefined; unknown: string }) {
  if (authKind === 'none') return <span className="subtlest">No token (no authentication)</span>;
  if (credential === null || credential === undefined) return <span className="subtlest" data-credential="unknown">{unknown}</span>;
  const users = credential.users;
  switch (credential.state) {
    case 'valid':
      return (
        <span data-credential="valid" title={credential.refreshAt === null ? undefined : `The connector renews it at ${formatTime(credential.refreshAt)}`}>
          Valid until {formatTime(credential.expiresAt)}
          {credential.failedRefreshes > 0 && (
            <span className="subtlest">
              {' '}
              · {credential.failedRefreshes} failed renewal{credential.failedRefreshes === 1 ? '' : 's'}
              {credential.lastErrorCode === null ? '' : ` (${credential.lastErrorCode})`}
            </span>
          )}
        </span>
      );
    case 'expired':
      return (
        <span data-credential="expired">
          <span className="lozenge removed">Expired</span> {formatTime(credential.expiresAt)}; renewal failing
          {credential.lastErrorCode === null ? '' : ` (${credential.lastErrorCode})`}, retried automatically
        </span>
      );
    case 'needs-reauthorization':
      return (
        <span data-credential="needs-reauthorization">
          <span className="lozenge moved">Authorize again</span> the remote refused the refresh token
        </span>
      );
    case 'none':
      if (users.authorized > 0) {
        return (
          <span data-credential="users">
            {users.authorized} user{users.authorized === 1 ? '' : 's'} authorized
            {users.needReauthorization > 0 && <>, {users.needReauthorization} to authorize again</>}
            {users.soonestExpiry !== null && <span className="subtlest"> · next expiry {formatTime(users.soonestExpiry)}</span>}
          </span>
        );
      }
      return (
        <span className="subtlest" data-credential="none">
          {authKind === 'oauth2-impersonation' ? 'No user has authorized yet' : 'Not authorized yet'}
        </span>
      );
  }
}
