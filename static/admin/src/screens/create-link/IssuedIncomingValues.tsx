import { REMOTE_PRESETS, type ForgeLinkView, type IssuedIncomingCredentials } from '../../../../../contract';
import { call } from '../../api';
import { Banner } from '../../components/Banner';
import { CopyValue } from '../../components/CopyValue';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../hooks/useAction';

/**
 * The values just issued, each with where it goes. Whether the remote's outgoing link holds them
 * is not the admin's word: its step turns done when the remote first obtains a token with them.
 * The secret lives only in this component's props: leaving the step drops it.
 */
export function IssuedIncomingValues({ link, issued, onLink, onNext }: { link: ForgeLinkView; issued: IssuedIncomingCredentials; onLink: (l: ForgeLinkView) => void; onNext: () => void }) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const done = useAction(async () => {
    onLink(await call('getLink', { id: link.id }));
    onNext();
  });
  return (
    <div>
      <Banner tone="warning" title="Copy the client secret now: it is shown this once">
        Only a hash is kept. If you lose it, issue new credentials from the link's page.
      </Banner>
      {issued.incoming.redirectUriIsPlaceholder && (
        <Banner tone="info" title="The redirect URI is a placeholder">
          Replace it on the link's page with the one {remote}'s outgoing link shows; until then the exchange is not finished.
        </Banner>
      )}
      <h3>Client ID — goes to {remote}'s outgoing link</h3>
      <CopyValue label="Incoming client ID" value={issued.incoming.clientId} />
      <h3>Client secret — goes to {remote}'s outgoing link</h3>
      <CopyValue label="Incoming client secret" value={issued.clientSecret} secret />
      {issued.incoming.tokenEndpointUrl !== null && (
        <>
          <h3>Token endpoint — goes to {remote}'s outgoing link</h3>
          <CopyValue label="Token endpoint URL" value={issued.incoming.tokenEndpointUrl} />
        </>
      )}
      <p className="subtle">Scopes granted: {issued.incoming.scopes.join(', ')}</p>
      <p className="subtle" data-value="remote-outgoing-pending">
        Enter these values in {remote}'s outgoing link. Its step on the link's page turns done when {remote} first obtains a token with them.
      </p>
      <ErrorBanner error={done.error} />
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => void done.run()} disabled={done.busy}>
          Next
        </button>
      </div>
    </div>
  );
}
