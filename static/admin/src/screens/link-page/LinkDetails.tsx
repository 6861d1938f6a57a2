import { useState } from 'react';
import { REMOTE_PRESETS, SERVICE_ACCOUNTS, type DeleteLinkResult, type ExchangeStepId, type ForgeLinkView } from '../../../../../contract';
import { call } from '../../api';
import { Banner } from '../../components/Banner';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../hooks/useAction';
import { SignInOpenedBanner } from '../../link/SignInOpenedBanner';
import { TestResultView } from '../../link/TestResultView';
import { useAuthorizeLink } from '../../link/useAuthorizeLink';
import type { Navigate } from '../../navigation';
import { AuditLogPage } from '../audit-log/AuditLogPage';
import { BitbucketCloudPanel } from './BitbucketCloudPanel';
import { ServiceAccountPanel } from './ServiceAccountPanel';
import { CredentialExchange } from './CredentialExchange';
import { DeleteLinkDialog } from './DeleteLinkDialog';
import { EditLinkDialog } from './EditLinkDialog';
import { HealthPanel } from './HealthPanel';
import { LinkOverview } from './LinkOverview';
import { ProviderPanel, hasProviderSettings } from './ProviderPanel';
import { LinkUsersPanel } from './LinkUsersPanel';
import { RelocateLinkDialog } from './RelocateLinkDialog';

/** A loaded link: what it is, what can be done to it, the credential exchange, the last test and its history. */
export function LinkDetails({ link, onLink: setLink, navigate, onDeleted }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; navigate: Navigate; onDeleted: (r: DeleteLinkResult) => void }) {
  // Changes that touch this site only come back without the connector's credential: keep the last one seen.
  const onLink = (next: ForgeLinkView) => setLink(next.credential === null ? { ...next, credential: link.credential } : next);
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const [dialog, setDialog] = useState<'edit' | 'relocate' | 'delete' | undefined>(undefined);
  // Client credentials connect at once: read the link again to show its new status.
  const { authorize, authorizationUrl, forgetAuthorizationUrl } = useAuthorizeLink(link.id, async () => onLink(await call('getLink', { id: link.id })));
  const test = useAction(async () => {
    const { result, link: tested } = await call('testConnection', { id: link.id });
    onLink(tested);
    // The authorization worked: the "sign-in page opened" note has done its job.
    if (result.ok) forgetAuthorizationUrl();
  });
  const mark = useAction(async (step: ExchangeStepId, done: boolean) => onLink(await call('updateExchangeStep', { id: link.id, step, status: done ? 'done' : 'pending' })));
  // Per-user links are authorized by each user for themselves (their "Connected accounts" page).
  const authorizes = link.exchange.steps.some((s) => s.id === 'authorize') && link.authKind !== 'oauth2-impersonation';

  return (
    <article aria-labelledby="link-title">
      <button type="button" className="btn link" onClick={() => navigate({ screen: 'links' })}>
        ← Application links
      </button>
      <LinkOverview link={link} />
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => void test.run()} disabled={test.busy}>
          {test.busy ? 'Testing…' : 'Test connection'}
        </button>
        {authorizes && (
          <button type="button" className="btn" onClick={() => void authorize.run()} disabled={authorize.busy}>
            {link.outgoing.grantType === 'client_credentials' ? 'Connect' : link.status === 'connected' ? 'Authorize again' : 'Authorize'}
          </button>
        )}
        <button type="button" className="btn" onClick={() => setDialog('edit')}>
          Edit
        </button>
        <button type="button" className="btn" onClick={() => setDialog('relocate')}>
          Relocate
        </button>
        <button type="button" className="btn danger" onClick={() => setDialog('delete')}>
          Delete
        </button>
      </div>
      <ErrorBanner error={test.error ?? authorize.error ?? mark.error} />
      {authorizationUrl !== undefined && authorizationUrl !== null && <SignInOpenedBanner remote={remote} authorizationUrl={authorizationUrl} afterwards="; then test the connection." />}
      {authorizationUrl === null && <Banner tone="success" title="Connected">The connector obtained a new token from {remote} (client credentials).</Banner>}

      {link.remoteKind === 'bitbucket-cloud' && <BitbucketCloudPanel link={link} onLink={onLink} navigate={navigate} />}
      {link.outgoing.grantType === 'client_credentials' && SERVICE_ACCOUNTS[link.remoteKind] !== undefined && <ServiceAccountPanel link={link} onLink={onLink} />}
      <h2>Health</h2>
      <HealthPanel link={link} />

      {link.authKind !== 'none' && <CredentialExchange link={link} onLink={onLink} onMark={(step, done) => void mark.run(step, done)} marking={mark.busy} />}
      {hasProviderSettings(link) && <ProviderPanel link={link} onLink={onLink} />}

      {link.authKind === 'oauth2-impersonation' && (
        <>
          <h2>Users</h2>
          <LinkUsersPanel link={link} />
        </>
      )}

      <h2>Last test</h2>
      {link.lastTest === null ? <p className="subtle">Not tested yet.</p> : <TestResultView result={link.lastTest} />}

      <h2>History</h2>
      <AuditLogPage key={link.version} linkId={link.id} />

      {dialog === 'edit' && <EditLinkDialog open link={link} onClose={() => setDialog(undefined)} onLink={onLink} />}
      <RelocateLinkDialog open={dialog === 'relocate'} link={link} onClose={() => setDialog(undefined)} onLink={onLink} />
      <DeleteLinkDialog open={dialog === 'delete'} link={link} onClose={() => setDialog(undefined)} onDeleted={onDeleted} />
    </article>
  );
}
