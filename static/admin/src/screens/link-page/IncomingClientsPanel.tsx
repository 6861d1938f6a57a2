import { useState } from 'react';
import type { ForgeLinkView, IncomingClientSummary } from '../../../../../contract';
import { call } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatTime } from '../../format';
import { useAction } from '../../hooks/useAction';
import { useLoad } from '../../hooks/useLoad';

/**
 * Every active incoming client of the link, as storage holds them (not only the one the link
 * names), each revocable: what an admin checks when a remote should no longer call this site.
 * Reloaded whenever the link changes (a new secret, a scope change, a revoke).
 */
export function IncomingClientsPanel({ link, onLink, remote }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; remote: string }) {
  const clients = useLoad(() => call('listIncomingClients', { id: link.id }), [link.id, link.version]);
  const [confirm, setConfirm] = useState<IncomingClientSummary | undefined>(undefined);
  const revoke = useAction(async (clientId: string) => onLink(await call('revokeIncomingClient', { id: link.id, clientId })));
  const items = clients.data?.items ?? [];
  return (
    <div className="value" data-testid="incoming-clients">
      <div className="label">Active incoming clients</div>
      {clients.loading && clients.data === undefined ? (
        <span className="subtle">Loading…</span>
      ) : items.length === 0 ? (
        <span className="subtle">None: {remote} cannot obtain tokens from this site.</span>
      ) : (
        <table aria-label="Active incoming clients">
          <thead>
            <tr>
              <th scope="col">Client ID</th>
              <th scope="col">Scopes</th>
              <th scope="col">Secret issued, last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((client) => (
              <tr key={client.clientId}>
                <td>
                  <code>{client.clientId}</code>
                </td>
                <td>{client.scopes.join(', ')}</td>
                <td>
                  {formatTime(client.issuedAt)}
                  <br />
                  {client.lastUsedAt === null ? <span className="subtle">use not recorded</span> : <>used {formatTime(client.lastUsedAt)}</>}
                </td>
                <td>
                  <button type="button" className="btn" onClick={() => setConfirm(client)} disabled={revoke.busy} aria-label={`Revoke client ${client.clientId}`}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorBanner error={clients.error ?? revoke.error} />
      <Dialog title="Revoke this incoming client?" open={confirm !== undefined} onClose={() => setConfirm(undefined)}>
        <p>
          Client <code>{confirm?.clientId}</code> and every token {remote} obtained with it stop working at once. To let {remote} call this site again, issue new
          credentials.
        </p>
        <div className="actions">
          <button
            type="button"
            className="btn danger"
            onClick={() => {
              const clientId = confirm?.clientId;
              setConfirm(undefined);
              if (clientId !== undefined) void revoke.run(clientId);
            }}
          >
            Revoke
          </button>
          <button type="button" className="btn" onClick={() => setConfirm(undefined)}>
            Cancel
          </button>
        </div>
      </Dialog>
    </div>
  );
}
