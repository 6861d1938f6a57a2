import type { IncomingView } from '../../../../../contract';
import { formatTime } from '../../format';

/**
 * What the remote has done with this site's incoming credentials, as this site saw it: green only
 * when the remote obtained a token with the current secret, whatever anyone ticked.
 */
export function RemoteActivity({ incoming, remote }: { incoming: IncomingView; remote: string }) {
  const token = incoming.activity?.lastToken ?? null;
  const call = incoming.activity?.lastGatewayCall ?? null;
  // A token obtained with an earlier secret says nothing about the current one: it is issued at `issuedAt`.
  const current = token !== null && Date.parse(token.at) >= Date.parse(incoming.issuedAt);
  return (
    <div className="value" data-value="remote-activity" data-status={current ? 'done' : 'pending'}>
      <div className="label">What {remote} did with these credentials (seen by this site)</div>
      <p className={current ? 'status-ok' : 'subtle'}>
        {current ? `Obtained a token ${formatTime(token.at)} (${token.grant.replace(/_/g, ' ')}).` : `${remote} has not obtained a token with the current secret yet.`}
      </p>
      <p className="subtle">
        {call === null
          ? 'No call through the Jira REST gateway yet.'
          : `Last gateway call ${formatTime(call.at)}: ${call.method} ${call.path} (needs ${call.scope}) answered ${call.status}${call.outcome === 'ok' ? '' : ` (${call.outcome.replace(/_/g, ' ')})`}.`}
      </p>
    </div>
  );
}
