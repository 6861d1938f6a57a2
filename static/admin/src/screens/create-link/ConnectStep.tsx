import { REMOTE_PRESETS, type ForgeLinkView } from '../../../../../contract';
import { call } from '../../api';
import { Banner } from '../../components/Banner';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../hooks/useAction';
import { CredentialState } from '../../link/CredentialState';

/**
 * Connect, for links that use client credentials (Bitbucket Cloud consumers, Data Center service
 * accounts): the connector obtains the token at once with the client ID and secret; nobody signs in.
 */
export function ConnectStep({ link, onLink, onNext }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; onNext: () => void }) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const connect = useAction(async () => {
    await call('authorizeLink', { id: link.id });
    onLink(await call('getLink', { id: link.id }));
  });
  const connected = link.status === 'connected';
  return (
    <div>
      <h2>Connect the link</h2>
      <p>The connector asks {remote} for a token with the client ID and secret (client credentials). Nobody signs in.</p>
      <ErrorBanner error={connect.error} />
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
