import { useState } from 'react';
import type { DisconnectResult, ForgeLinkView, LinkUser } from '../../../../../contract';
import { call } from '../../api';
import { Banner } from '../../components/Banner';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatTime } from '../../format';
import { useAction } from '../../hooks/useAction';
import { useLoad } from '../../hooks/useLoad';
import { revocationMessage } from '../my-connections/revocation-message';

const PAGE_SIZE = 50;

/**
 * The users connected to a per-user link, a page of 50 at a time (keyset cursors from the
 * connector, so a link with thousands of users renders one small table), each disconnectable.
 */
export function LinkUsersPanel({ link }: { link: ForgeLinkView }) {
  // The cursors of the pages seen so far: index i holds the cursor that loads page i.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [pageIndex, setPageIndex] = useState(0);
  const [outcome, setOutcome] = useState<{ user: LinkUser; result: DisconnectResult } | undefined>(undefined);
  const cursor = cursors[pageIndex];
  const page = useLoad(() => call('listLinkUsers', { id: link.id, limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }) }), [link.id, pageIndex]);
  const disconnect = useAction(async (user: LinkUser) => {
    setOutcome({ user, result: await call('disconnectLinkUser', { id: link.id, subject: user.subject }) });
    page.reload();
  });
  const items = page.data?.items ?? [];
  const next = page.data?.nextCursor ?? null;
  return (
    <div className="value" data-testid="link-users">
      <div className="label">Connected users</div>
      {page.loading && page.data === undefined ? (
        <span className="subtle">Loading…</span>
      ) : items.length === 0 && pageIndex === 0 ? (
        <span className="subtle">No user has connected an account yet. Users connect from "Connected accounts" in their Jira profile.</span>
      ) : (
        <table aria-label={`Connected users, page ${pageIndex + 1}`}>
          <thead>
            <tr>
              <th scope="col">Atlassian account</th>
              <th scope="col">Remote user</th>
              <th scope="col">State</th>
              <th scope="col">Token expiry</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((user) => (
              <tr key={user.subject} data-subject={user.subject}>
                <td>
                  <code>{user.subject}</code>
                </td>
                <td>{user.remoteUsername ?? <span className="subtle">unknown</span>}</td>
                <td>{user.state === 'must-reconnect' ? <span className="lozenge moved">Must connect again</span> : 'Connected'}</td>
                <td>{formatTime(user.expiresAt)}</td>
                <td>
                  <button type="button" className="btn" disabled={disconnect.busy} onClick={() => void disconnect.run(user)} aria-label={`Disconnect ${user.subject}`}>
                    Disconnect
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        <button type="button" className="btn" disabled={pageIndex === 0 || page.loading} onClick={() => setPageIndex(pageIndex - 1)}>
          Previous page
        </button>
        <span className="subtle" data-testid="link-users-page">
          Page {pageIndex + 1}
        </span>
        <button
          type="button"
          className="btn"
          disabled={next === null || page.loading}
          onClick={() => {
            setCursors((seen) => [...seen.slice(0, pageIndex + 1), next ?? undefined]);
            setPageIndex(pageIndex + 1);
          }}
        >
          Next page
        </button>
      </div>
      {outcome !== undefined && (
        <Banner tone={outcome.result.remote === 'unreachable' ? 'warning' : 'success'} title={`Disconnected ${outcome.user.remoteUsername ?? outcome.user.subject}`}>
          {revocationMessage(outcome.result)}
        </Banner>
      )}
      <ErrorBanner error={page.error ?? disconnect.error} />
    </div>
  );
}
