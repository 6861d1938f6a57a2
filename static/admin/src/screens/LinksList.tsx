import { useEffect, useRef } from 'react';
import { listAllLinks } from '../api';
import { Banner } from '../components/Banner';
import { ErrorBanner } from '../components/ErrorBanner';
import { formatTime } from '../format';
import { useLoad } from '../hooks/useLoad';
import { CredentialState } from '../link/CredentialState';
import { BreaksInBanner, HealthBadge } from '../link/HealthBadge';
import { KindIcon } from '../link/KindIcon';
import { StatusLozenge } from '../link/StatusLozenge';
import { PerUserStatus } from '../link/PerUserStatus';
import { AUTH_LABELS } from '../link/labels';
import type { Navigate } from '../navigation';

export function LinksList({ navigate }: { navigate: Navigate }) {
  const { data, error, loading } = useLoad(listAllLinks, []);
  const started = useRef(performance.now());
  useEffect(() => {
    if (data !== undefined) {
      // For the browser test's measurement: the time from mount to the rows on screen.
      document.documentElement.dataset.linksRenderedMs = String(Math.round(performance.now() - started.current));
      document.documentElement.dataset.linksRendered = String(data.items.length);
    }
  }, [data]);
  return (
    <section aria-labelledby="links-title">
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <h1 id="links-title">Application links</h1>
        <button type="button" className="btn primary" onClick={() => navigate({ screen: 'create' })}>
          Create link
        </button>
      </div>
      <p className="subtle">
        Links between this Jira site and Atlassian Data Center applications (or other OAuth 2.0 providers), over OAuth 2.0. The connector holds the secrets the
        remotes issue; this site holds the credentials it issues to them.
      </p>
      <ErrorBanner error={error} />
      {loading && <p role="status">Loading links…</p>}
      {data !== undefined && !data.connectorReachable && (
        <Banner tone="warning" title="The connector did not answer">
          Statuses are what this site last knew and token expiry is unknown. Check the connector on the Connector tab.
        </Banner>
      )}
      {data?.items.map((link) => link.health?.breaksIn != null && <BreaksInBanner key={`b${link.id}`} breaksIn={link.health.breaksIn} linkName={link.name} />)}
      {data !== undefined && data.items.length === 0 && (
        <div className="empty">
          <h2>No application links yet</h2>
          <p>
            Select <strong>Create link</strong> and enter the URL of the application you want to link to, for example <code>https://jira.example.com</code>.
          </p>
          <p className="subtle">
            You will move between this page and the other application's administration a few times; this page tells you each value to copy and where it goes. If
            you are not an administrator of the other application, you can create an outgoing-only link without authentication and complete it later.
          </p>
          <p className="subtle">
            First time? Check the <button type="button" className="btn link" onClick={() => navigate({ screen: 'connector' })}>connector</button> is paired with this
            site.
          </p>
        </div>
      )}
      {data !== undefined && data.items.length > 0 && (
        <table aria-label={`${data.items.length} application links`}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Application URL</th>
              <th scope="col">Authentication</th>
              <th scope="col">Status</th>
              <th scope="col">Health</th>
              <th scope="col">Token expiry</th>
              <th scope="col">Last test</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((link) => (
              <tr key={link.id} data-link-id={link.id}>
                <td>
                  <KindIcon kind={link.remoteKind} />
                  <button type="button" className="btn link" onClick={() => navigate({ screen: 'link', id: link.id })}>
                    {link.name}
                  </button>
                </td>
                <td>
                  <code>{link.applicationUrl}</code>
                </td>
                <td>{link.authKind === undefined ? '—' : AUTH_LABELS[link.authKind]}</td>
                <td>
                  {link.authKind === 'oauth2-impersonation' ? <PerUserStatus credential={link.credential} /> : <StatusLozenge status={link.status} />}
                </td>
                <td>
                  <HealthBadge health={link.health} />
                </td>
                <td>
                  <CredentialState
                    credential={link.credential}
                    authKind={link.authKind}
                    unknown={data.connectorReachable ? 'Not on the connector' : 'Unknown: the connector did not answer'}
                  />
                </td>
                <td>
                  {link.lastTest === undefined || link.lastTest === null ? (
                    <span className="subtlest">never</span>
                  ) : (
                    <span>
                      {link.lastTest.ok ? (link.authKind === 'oauth2-impersonation' ? 'Passed as its tester' : 'Passed') : 'Failed'} <span className="subtlest">{formatTime(link.lastTest.testedAt)}</span>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
