import { useState } from 'react';
import type { ForgeLinkView, IssuedIncomingCredentials } from '../../../../../contract';
import { call } from '../../api';
import { Banner } from '../../components/Banner';
import { CopyValue } from '../../components/CopyValue';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatTime } from '../../format';
import { useAction } from '../../hooks/useAction';
import { IncomingCredentialsForm } from '../../link/IncomingCredentialsForm';
import { useIssueIncomingCredentials } from '../../link/useIssueIncomingCredentials';
import { ExchangeValue } from './ExchangeValue';
import { ProviderEndpoints } from './ProviderEndpoints';
import { RemoteActivity } from './RemoteActivity';
import { ReissueSecretDialog } from './ReissueSecretDialog';
import { RemoteRedirectUriValue } from './RemoteRedirectUriValue';

/**
 * The credentials this site issues to the remote: the form while none were issued, then their
 * values (the secret only by fingerprint), a new secret on demand, and the remote's redirect URI.
 * A secret just issued is shown once, in this component's state only.
 */
export function IncomingValues({ link, onLink, remote }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; remote: string }) {
  const incoming = link.incoming;
  const [redirectUri, setRedirectUri] = useState(incoming !== null && !incoming.redirectUriIsPlaceholder ? (incoming.redirectUri ?? '') : '');
  const [issued, setIssued] = useState<IssuedIncomingCredentials | undefined>(undefined);
  const [confirmReissue, setConfirmReissue] = useState(false);
  const afterIssue = async (result: IssuedIncomingCredentials) => {
    setIssued(result);
    onLink(await call('getLink', { id: link.id }));
  };
  // A new secret keeps the granted scopes and sends the redirect URI as it stands in the field below.
  const reissue = useIssueIncomingCredentials(link, afterIssue);
  const saveRedirect = useAction(async () => onLink(await call('updateIncomingCredentials', { id: link.id, redirectUri: redirectUri.trim(), redirectUriIsPlaceholder: false })));
  return (
    <>
      {issued !== undefined && (
        <Banner tone="warning" title="New client secret: copy it now, it is shown this once">
          <CopyValue label="Incoming client secret" value={issued.clientSecret} secret />
        </Banner>
      )}
      {incoming === null ? (
        <div className="value">
          <div className="label">Incoming credentials (this site issues them to {remote})</div>
          <IncomingCredentialsForm link={link} legend="Scopes granted to the remote" askRedirectUri={false} compact onIssued={afterIssue} />
        </div>
      ) : (
        <>
          <ExchangeValue label="Incoming client ID" from="this site (issued)" to={`${remote}'s outgoing link`} testId="incoming-client-id">
            <CopyValue label="Incoming client ID" value={incoming.clientId} />
          </ExchangeValue>
          <ExchangeValue label="Incoming client secret" from="this site (issued, shown once)" to={`${remote}'s outgoing link`}>
            issued {formatTime(incoming.issuedAt)}
            {incoming.clientSecretFingerprint.last4 !== null && (
              <>
                {' '}
                (ends in <code>{incoming.clientSecretFingerprint.last4}</code>)
              </>
            )}{' '}
            <button type="button" className="btn subtle" onClick={() => setConfirmReissue(true)} disabled={reissue.busy}>
              Issue a new secret
            </button>
          </ExchangeValue>
          <ReissueSecretDialog
            open={confirmReissue}
            remote={remote}
            onClose={() => setConfirmReissue(false)}
            onConfirm={() => {
              setConfirmReissue(false);
              void reissue.run(incoming.scopes, redirectUri);
            }}
          />
          <ProviderEndpoints incoming={incoming} remote={remote} />
          <RemoteActivity incoming={incoming} remote={remote} />
          <ExchangeValue label="Scopes granted" from="this site" to={remote}>
            {incoming.scopes.join(', ')}
          </ExchangeValue>
          <RemoteRedirectUriValue incoming={incoming} remote={remote} value={redirectUri} onChange={setRedirectUri} saving={saveRedirect.busy} error={saveRedirect.error} onSave={() => void saveRedirect.run()} />
          <ErrorBanner error={reissue.error ?? saveRedirect.error} />
        </>
      )}
    </>
  );
}
