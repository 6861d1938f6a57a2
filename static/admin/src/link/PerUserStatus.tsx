import type { CredentialSummary } from '../../../../contract';
import { formatTime } from '../format';

/**
 * A per-user link's state in numbers, instead of one lozenge: how many users are connected, how
 * many must connect again, and the soonest expiry among the valid tokens.
 */
export function PerUserStatus({ credential }: { credential: CredentialSummary | null | undefined }) {
  if (credential === null || credential === undefined) return <span className="subtlest" data-per-user="unknown">Users unknown: the connector did not answer</span>;
  const { authorized, needReauthorization, soonestExpiry } = credential.users;
  const connected = authorized - needReauthorization;
  return (
    <span data-per-user={`${connected}/${needReauthorization}`}>
      {connected} user{connected === 1 ? '' : 's'} connected
      {needReauthorization > 0 && (
        <>
          {' · '}
          <span className="lozenge moved">{needReauthorization} must connect again</span>
        </>
      )}
      {soonestExpiry !== null && <span className="subtlest"> · soonest expiry {formatTime(soonestExpiry)}</span>}
    </span>
  );
}
