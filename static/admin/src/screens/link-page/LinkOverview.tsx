import { REMOTE_PRESETS, type ForgeLinkView } from '../../../../../contract';
import { Banner } from '../../components/Banner';
import { formatTime } from '../../format';
import { CredentialState } from '../../link/CredentialState';
import { KindIcon } from '../../link/KindIcon';
import { AUTH_LABELS } from '../../link/labels';
import { PerUserStatus } from '../../link/PerUserStatus';
import { StatusLozenge } from '../../link/StatusLozenge';

/** The link's title and status, the facts about it, and the warnings its kind of authentication carries. */
export function LinkOverview({ link }: { link: ForgeLinkView }) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  return (
    <>
      <h1 id="link-title" style={{ marginTop: 8 }}>
        <KindIcon kind={link.remoteKind} />
        {link.name} <StatusLozenge status={link.status} />
      </h1>
      {link.authKind === 'oauth2-impersonation' && (
        <p data-testid="per-user-status">
          <PerUserStatus credential={link.credential} />
        </p>
      )}
      {link.statusReason !== null && <p className="subtle">{link.statusReason}</p>}
      {!link.connectorReachable && (
        <Banner tone="warning" title="The connector did not answer">
          What you see is what this site last knew. Check the connector on the Connector tab.
        </Banner>
      )}
      <dl className="meta">
        <dt>Type</dt>
        <dd>{remote}</dd>
        <dt>Application URL</dt>
        <dd>
          <code>{link.applicationUrl}</code>
        </dd>
        {link.displayUrl !== null && (
          <>
            <dt>Display URL</dt>
            <dd>
              <code>{link.displayUrl}</code>
            </dd>
          </>
        )}
        <dt>Authentication</dt>
        <dd>{AUTH_LABELS[link.authKind]}</dd>
        {link.authKind !== 'none' && (
          <>
            <dt>Access token</dt>
            <dd data-testid="credential">
              <CredentialState credential={link.credential} authKind={link.authKind} unknown={link.connectorReachable ? 'Not reported' : 'Unknown: the connector did not answer'} />
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          {formatTime(link.createdAt)} by <code>{link.createdBy}</code>
        </dd>
      </dl>
      {link.authKind === 'oauth2-impersonation' && (
        <Banner tone="warning" title="Impersonation: both applications must share a user base">
          Requests run as the signed-in user. Keep it only while both sides share the same users.
        </Banner>
      )}
      {link.authKind === 'none' && (
        <Banner tone="info" title="Outgoing only, without authentication">
          The link reaches only what {remote} shows anonymously. To complete it, an administrator of {remote} creates the link back; then edit this link's
          authentication.
        </Banner>
      )}
    </>
  );
}
