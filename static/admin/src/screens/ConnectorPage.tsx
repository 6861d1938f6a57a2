import { useState } from 'react';
import { call } from '../api';
import { Banner } from '../components/Banner';
import { ErrorBanner } from '../components/ErrorBanner';
import { TextField } from '../components/TextField';
import { formatTime } from '../format';
import { useAction } from '../hooks/useAction';
import { useLoad } from '../hooks/useLoad';

export function ConnectorPage() {
  const status = useLoad(() => call('getConnectorStatus', {}), []);
  const [code, setCode] = useState('');
  const pair = useAction(async () => {
    const result = await call('pairConnector', { code });
    status.setData(result);
    setCode('');
  });
  const s = status.data;
  return (
    <section aria-labelledby="connector-title">
      <h1 id="connector-title">Connector</h1>
      <p className="subtle">
        The connector runs next to your Data Center applications. It keeps the secrets they issue, obtains and refreshes tokens, and runs connection tests. This
        site talks to it through Forge Remote; it answers only the one Jira site it is paired with.
      </p>
      <ErrorBanner error={status.error} />
      {status.loading && <p role="status">Asking the connector…</p>}
      {s !== undefined && (
        <>
          <dl className="meta">
            <dt>Reachable</dt>
            <dd data-testid="connector-reachable">{s.reachable ? 'Yes' : 'No'}</dd>
            <dt>Paired</dt>
            <dd data-testid="connector-paired">{s.paired ? 'Yes' : 'No'}</dd>
            <dt>Installation</dt>
            <dd>
              <code>{s.installationId ?? '—'}</code>
            </dd>
            <dt>Paired at</dt>
            <dd>{formatTime(s.pairedAt)}</dd>
            <dt>Version</dt>
            <dd>{s.connectorVersion ?? '—'}</dd>
          </dl>
          {s.problem !== null && (
            <Banner tone="error" title={s.problem.message}>
              <span className="subtlest">Code: {s.problem.code}</span>
            </Banner>
          )}
          {s.paired ? (
            <Banner tone="success" title="Paired with this site">
              To pair the connector with another site, run <code>applinks-connector unpair</code> on the connector host first.
            </Banner>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void pair.run();
              }}
            >
              <h2>Pair the connector</h2>
              <ol>
                <li>
                  On the connector host, run <code>applinks-connector pair</code>. It prints a code valid for 10 minutes.
                </li>
                <li>Enter the code here.</li>
              </ol>
              <TextField label="Pairing code" value={code} onChange={setCode} placeholder="XXXX-XXXX-XXXX-XXXX" required help="Case, spaces and dashes do not matter." />
              <ErrorBanner error={pair.error} />
              <button type="submit" className="btn primary" disabled={pair.busy || code.trim() === ''}>
                {pair.busy ? 'Pairing…' : 'Pair'}
              </button>
            </form>
          )}
        </>
      )}
    </section>
  );
}
