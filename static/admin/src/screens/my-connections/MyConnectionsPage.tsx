import { useState } from 'react';
import type { DisconnectResult, UserConnection } from '../../../../../contract';
import { call, openExternal } from '../../api';
import { Banner } from '../../components/Banner';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatTime } from '../../format';
import { useAction } from '../../hooks/useAction';
import { useLoad } from '../../hooks/useLoad';
import { KindIcon } from '../../link/KindIcon';
import { revocationMessage } from './revocation-message';

function StateText({ connection }: { connection: UserConnection | null }) {
  if (connection === null) return <span className="subtle">Unknown: the connector did not answer</span>;
  switch (connection.state) {
    case 'connected':
      return (
        <span data-connection="connected">
          Connected{connection.remoteUsername === null ? '' : ` as ${connection.remoteUsername}`}
          <span className="subtlest"> · token valid until {formatTime(connection.expiresAt)}, renewed automatically</span>
        </span>
      );
    case 'must-reconnect':
      return (
        <span data-connection="must-reconnect">
          <span className="lozenge moved">Connect again</span> the remote no longer accepts your connection
        </span>
      );
    case 'disconnected':
      return <span data-connection="disconnected">Disconnected {formatTime(connection.disconnectedAt)}</span>;
    case 'not-connected':
      return <span className="subtle" data-connection="not-connected">Not connected</span>;
  }
}

/**
 * "Connected accounts": the page every Jira user reaches (their personal settings). It lists the
 * links that act as each user, and lets the user connect or disconnect their own account on each.
 * Nothing here names the user: the app and the connector know who is calling from Forge.
 */
export function MyConnectionsPage() {
  const list = useLoad(() => call('listMyConnections', {}), []);
  const [opened, setOpened] = useState<{ id: string; name: string; url: string } | undefined>(undefined);
  const [ended, setEnded] = useState<{ name: string; result: DisconnectResult } | undefined>(undefined);
  const connect = useAction(async (id: string, name: string) => {
    const { authorizationUrl } = await call('connectMyAccount', { id });
    if (authorizationUrl === null) return;
    setOpened({ id, name, url: authorizationUrl });
    // Custom UI cannot leave its frame: the remote's sign-in opens in a new tab.
    await openExternal(authorizationUrl);
  });
  const disconnect = useAction(async (id: string, name: string) => {
    setEnded({ name, result: await call('disconnectMyAccount', { id }) });
    list.reload();
  });
  const items = list.data?.items ?? [];
  // The sign-in hint is for a connection still to make: once the list shows it connected, it goes.
  const stillToConnect = opened !== undefined && items.find((item) => item.link.id === opened.id)?.connection?.state !== 'connected';
  return (
    <main className="app">
      <h1>Connected accounts</h1>
      <p className="subtle">
        Some applications linked to this Jira site act as you. Connect your own account on each to let them; you can disconnect at any time.
      </p>
      {list.loading && list.data === undefined && <p role="status">Loading…</p>}
      {list.data !== undefined && items.length === 0 && <p>No linked application acts as individual users on this site.</p>}
      {items.length > 0 && (
        <table aria-label="Linked applications that act as you">
          <thead>
            <tr>
              <th scope="col">Application</th>
              <th scope="col">Your connection</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map(({ link, connection }) => (
              <tr key={link.id} data-link-id={link.id}>
                <td>
                  <KindIcon kind={link.remoteKind} /> {link.name} <code className="subtlest">{link.applicationUrl}</code>
                </td>
                <td>
                  <StateText connection={connection} />
                </td>
                <td>
                  {connection?.state === 'connected' || connection?.state === 'must-reconnect' ? (
                    <>
                      {connection.state === 'must-reconnect' && (
                        <button type="button" className="btn primary" disabled={connect.busy} onClick={() => void connect.run(link.id, link.name)}>
                          Connect again
                        </button>
                      )}
                      <button type="button" className="btn" disabled={disconnect.busy} onClick={() => void disconnect.run(link.id, link.name)}>
                        Disconnect
                      </button>
                    </>
                  ) : (
                    <button type="button" className="btn primary" disabled={connect.busy || connection === null} onClick={() => void connect.run(link.id, link.name)}>
                      Connect
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {opened !== undefined && stillToConnect && (
        <Banner tone="info" title={`Sign in to ${opened.name} in the new tab`}>
          After you consent there, come back and{' '}
          <button type="button" className="btn link" onClick={() => list.reload()}>
            refresh this list
          </button>
          . If no tab opened, <a href={opened.url} target="_blank" rel="noopener noreferrer">open the sign-in page</a>.
        </Banner>
      )}
      {ended !== undefined && (
        <Banner tone={ended.result.remote === 'unreachable' ? 'warning' : 'success'} title={`Disconnected from ${ended.name}`}>
          {revocationMessage(ended.result)}
        </Banner>
      )}
      {list.data?.connectorReachable === false && <Banner tone="warning" title="The connector did not answer">Your connections cannot be shown right now.</Banner>}
      <ErrorBanner error={list.error ?? connect.error ?? disconnect.error} />
    </main>
  );
}
