import { useState } from 'react';
import { REMOTE_PRESETS, type ForgeLinkView, type TestConnectionResult } from '../../../../../contract';
import { call } from '../../api';
import { Banner } from '../../components/Banner';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../hooks/useAction';
import { CredentialState } from '../../link/CredentialState';
import { TestResultView } from '../../link/TestResultView';

/**
 * Connect, for links that use client credentials (Bitbucket Cloud consumers, Data Center service
 * accounts): the connector obtains the token at once with the client ID and secret; nobody signs in.
 * When the remote refuses, the page runs the connection test at once, whose stages say why (a
 * consumer without a callback URL, a wrong secret, an expired credential) and what to change.
 */
export function ConnectStep({ link, onLink, onNext }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; onNext: () => void }) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const [diagnosis, setDiagnosis] = useState<TestConnectionResult | undefined>(undefined);
  const connect = useAction(async () => {
    setDiagnosis(undefined);
    try {
      await call('authorizeLink', { id: link.id });
    } catch (error) {
      const tested = await call('testConnection', { id: link.id }).catch(() => undefined);
      if (tested !== undefined) {
        setDiagnosis(tested.result);
        onLink(tested.link);
      }
      throw error;
    }
    onLink(await call('getLink', { id: link.id }));
  });
  const connected = link.status === 'connected' && connect.error === undefined;
  // Bitbucket Cloud's token endpoint refuses consumers without a callback URL (not OAuth 2.0 consumers).
  const noCallback = diagnosis?.stages.some((s) => s.status === 'fail' && /callback URL/i.test(s.message)) === true;
  return (
    <div>
      <h2>Connect the link</h2>
      <p>The connector asks {remote} for a token with the client ID and secret (client credentials). Nobody signs in.</p>
      {diagnosis === undefined && <ErrorBanner error={connect.error} />}
      {noCallback && (
        <Banner tone="warning" title="Add a callback URL to the consumer">
          {remote} only issues OAuth 2.0 tokens to a consumer that has a callback URL. Edit the consumer, enter any URL (for example http://localhost), save, and
          connect again.
        </Banner>
      )}
      {diagnosis !== undefined && <TestResultView result={diagnosis} />}
      {connected && (
        <Banner tone="success" title="Connected">
          The connector holds a token from {remote}. {link.credential !== null && <CredentialState credential={link.credential} authKind={link.authKind} unknown="" />}
        </Banner>
      )}
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => void connect.run()} disabled={connect.busy}>
          {connect.busy ? 'Connecting…' : connected ? 'Connect again' : `Connect to ${remote}`}
        </button>
        <button type="button" className="btn" onClick={onNext}>
          Next: test
        </button>
      </div>
    </div>
  );
}
