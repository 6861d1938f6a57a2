import { useState, type ReactNode } from 'react';
import {
  CLOUD_INCOMING_SCOPES,
  REMOTE_PRESETS,
  type CloudIncomingScope,
  type DeleteLinkResult,
  type ExchangeStepId,
  type ForgeLinkView,
  type IssuedIncomingCredentials,
} from '../../../../contract';
import { ApiError, call, openExternal } from '../api';
import type { Navigate } from '../navigation';
import { AuditLogPage } from './AuditLogPage';
import { Banner } from '../components/Banner';
import { CopyValue } from '../components/CopyValue';
import { Dialog } from '../components/Dialog';
import { ErrorBanner } from '../components/ErrorBanner';
import { ScopePicker } from '../components/ScopePicker';
import { TextField } from '../components/TextField';
import { formatTime } from '../format';
import { useAction } from '../hooks/useAction';
import { useLoad } from '../hooks/useLoad';
import { CredentialState } from '../link/CredentialState';
import { KindIcon } from '../link/KindIcon';
import { StatusLozenge } from '../link/StatusLozenge';
import { TestResultView } from '../link/TestResultView';
import { AUTH_LABELS } from '../link/labels';

export function LinkPage({ id, navigate }: { id: string; navigate: Navigate }) {
  const loaded = useLoad(() => call('getLink', { id }), [id]);
  const [deleted, setDeleted] = useState<DeleteLinkResult | undefined>(undefined);
  if (deleted !== undefined) return <Deleted result={deleted} navigate={navigate} />;
  if (loaded.loading && loaded.data === undefined) return <p role="status">Loading the link…</p>;
  if (loaded.data === undefined) {
    return (
      <div>
        <ErrorBanner error={loaded.error} />
        <button type="button" className="btn" onClick={() => navigate({ screen: 'links' })}>
          Back to the links
        </button>
      </div>
    );
  }
  return <LinkDetails link={loaded.data} onLink={loaded.setData} navigate={navigate} onDeleted={setDeleted} />;
}

function LinkDetails({ link, onLink: setLink, navigate, onDeleted }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; navigate: Navigate; onDeleted: (r: DeleteLinkResult) => void }) {
  // Changes that touch this site only come back without the connector's credential: keep the last one seen.
  const onLink = (next: ForgeLinkView) => setLink(next.credential === null ? { ...next, credential: link.credential } : next);
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const [dialog, setDialog] = useState<'edit' | 'relocate' | 'delete' | undefined>(undefined);
  const [authorizationUrl, setAuthorizationUrl] = useState<string | null | undefined>(undefined);
  const steps = new Map(link.exchange.steps.map((s) => [s.id, s]));
  const test = useAction(async () => {
    const { result, link: tested } = await call('testConnection', { id: link.id });
    onLink(tested);
    // The authorization worked: the "sign-in page opened" note has done its job.
    if (result.ok) setAuthorizationUrl(undefined);
  });
  const authorize = useAction(async () => {
    const result = await call('authorizeLink', { id: link.id });
    setAuthorizationUrl(result.authorizationUrl);
    if (result.authorizationUrl !== null) await openExternal(result.authorizationUrl);
  });
  const mark = useAction(async (step: ExchangeStepId, done: boolean) => onLink(await call('updateExchangeStep', { id: link.id, step, status: done ? 'done' : 'pending' })));

  return (
    <article aria-labelledby="link-title">
      <button type="button" className="btn link" onClick={() => navigate({ screen: 'links' })}>
        ← Application links
      </button>
      <h1 id="link-title" style={{ marginTop: 8 }}>
        <KindIcon kind={link.remoteKind} />
        {link.name} <StatusLozenge status={link.status} />
      </h1>
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
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => void test.run()} disabled={test.busy}>
          {test.busy ? 'Testing…' : 'Test connection'}
        </button>
        {steps.has('authorize') && (
          <button type="button" className="btn" onClick={() => void authorize.run()} disabled={authorize.busy}>
            {link.status === 'connected' ? 'Authorize again' : 'Authorize'}
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
      {authorizationUrl !== undefined && authorizationUrl !== null && (
        <Banner tone="info" title={`${remote}'s sign-in page opened in a new window`}>
          If it did not open,{' '}
          <a href={authorizationUrl} target="_blank" rel="noreferrer" data-testid="authorization-url">
            open the authorization page
          </a>
          ; then test the connection.
        </Banner>
      )}

      {link.authKind !== 'none' && (
        <>
          <h2>Credential exchange</h2>
          <p className="subtle">
            Every value each side holds, where it comes from and where it goes. Steps in {remote} happen where this site cannot look: mark them when they are
            done.
          </p>
          <div className="exchange">
            <ThisSiteColumn link={link} onLink={onLink} remote={remote} />
            <RemoteColumn link={link} remote={remote} onMark={(step, done) => void mark.run(step, done)} busy={mark.busy} />
          </div>
          <h3>Steps</h3>
          <ol className="exchange-steps" aria-label="Exchange steps">
            {link.exchange.steps.map((step) => (
              <li key={step.id} data-step={step.id} data-status={step.status} aria-current={link.exchange.next === step.id ? 'step' : undefined}>
                <span className={`lozenge ${step.status === 'done' ? 'success' : link.exchange.next === step.id ? 'inprogress' : 'default'}`}>
                  {step.status === 'done' ? 'Done' : link.exchange.next === step.id ? 'Next' : 'Pending'}
                </span>{' '}
                {step.title}
                <div className="subtlest">
                  {step.actor === 'site-admin' ? 'You, on this site' : `An administrator of ${remote}`} · {step.mode === 'manual' ? 'marked by hand' : 'detected'}
                  {step.moves !== null && (
                    <>
                      {' '}
                      · moves {step.moves.value}: {step.moves.from} → {step.moves.to}
                    </>
                  )}
                  {step.updatedAt !== null && <> · {formatTime(step.updatedAt)}</>}
                </div>
              </li>
            ))}
          </ol>
        </>
      )}

      <h2>Last test</h2>
      {link.lastTest === null ? <p className="subtle">Not tested yet.</p> : <TestResultView result={link.lastTest} />}

      <h2>History</h2>
      <AuditLogPage key={link.version} linkId={link.id} />

      <EditDialog open={dialog === 'edit'} link={link} onClose={() => setDialog(undefined)} onLink={onLink} />
      <RelocateDialog open={dialog === 'relocate'} link={link} onClose={() => setDialog(undefined)} onLink={onLink} />
      <DeleteDialog open={dialog === 'delete'} link={link} onClose={() => setDialog(undefined)} onDeleted={onDeleted} />
    </article>
  );
}

function Value({ label, children, from, to, testId }: { label: string; children: ReactNode; from: string; to: string; testId?: string }) {
  return (
    <div className="value" data-value={testId}>
      <div className="label">{label}</div>
      <div>{children}</div>
      <div className="flow">
        From {from} → to {to}
      </div>
    </div>
  );
}

function ThisSiteColumn({ link, onLink, remote }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; remote: string }) {
  const incomingApplies = link.exchange.steps.some((s) => s.id === 'incoming-credentials');
  const fp = link.outgoing.clientSecretFingerprint;
  return (
    <section className="column" aria-labelledby="this-site-title">
      <h3 id="this-site-title">This site (Jira Cloud and its connector)</h3>
      <Value label="Redirect URL (the connector's callback)" from="the connector" to={`${remote}'s incoming link`} testId="redirect-url">
        {link.outgoing.redirectUri === null ? <span className="subtle">unknown</span> : <CopyValue label="Redirect URL to register" value={link.outgoing.redirectUri} />}
      </Value>
      <Value label="Outgoing client ID" from={`${remote}'s incoming link`} to="the connector" testId="outgoing-client-id">
        {link.outgoing.clientId === null ? <span className="subtle">not entered</span> : <code>{link.outgoing.clientId}</code>}
      </Value>
      <Value label="Outgoing client secret" from={`${remote}'s incoming link`} to="the connector (encrypted; write-only)" testId="outgoing-secret">
        {link.outgoing.hasClientSecret ? (
          <span>
            set {fp?.last4 !== null && fp?.last4 !== undefined ? <>(ends in <code>{fp.last4}</code>)</> : ''} {formatTime(fp?.setAt)}
          </span>
        ) : (
          <span className="subtle">not entered</span>
        )}
      </Value>
      <Value label="Scopes requested" from="this site" to={remote}>
        {link.outgoing.scopes.length === 0 ? '—' : link.outgoing.scopes.join(', ')}
      </Value>
      {incomingApplies && <IncomingValues link={link} onLink={onLink} remote={remote} />}
    </section>
  );
}

function IncomingValues({ link, onLink, remote }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; remote: string }) {
  const incoming = link.incoming;
  const [scopes, setScopes] = useState<string[]>(incoming?.scopes ?? ['READ']);
  const [redirectUri, setRedirectUri] = useState(incoming !== null && !incoming.redirectUriIsPlaceholder ? (incoming.redirectUri ?? '') : '');
  const [issued, setIssued] = useState<IssuedIncomingCredentials | undefined>(undefined);
  const [confirmReissue, setConfirmReissue] = useState(false);
  const issue = useAction(async () => {
    const placeholder = redirectUri.trim() === '';
    const result = await call('issueIncomingCredentials', {
      id: link.id,
      scopes: scopes as CloudIncomingScope[],
      redirectUri: placeholder ? link.applicationUrl : redirectUri.trim(),
      redirectUriIsPlaceholder: placeholder,
    });
    setIssued(result);
    onLink(await call('getLink', { id: link.id }));
  });
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
          <ScopePicker legend="Scopes granted to the remote" scopes={CLOUD_INCOMING_SCOPES} value={scopes} onChange={setScopes} />
          <ErrorBanner error={issue.error} />
          <button type="button" className="btn primary" onClick={() => void issue.run()} disabled={issue.busy || scopes.length === 0}>
            Issue client ID and secret
          </button>
        </div>
      ) : (
        <>
          <Value label="Incoming client ID" from="this site (issued)" to={`${remote}'s outgoing link`} testId="incoming-client-id">
            <CopyValue label="Incoming client ID" value={incoming.clientId} />
          </Value>
          <Value label="Incoming client secret" from="this site (issued, shown once)" to={`${remote}'s outgoing link`}>
            issued {formatTime(incoming.issuedAt)}
            {incoming.clientSecretFingerprint.last4 !== null && (
              <>
                {' '}
                (ends in <code>{incoming.clientSecretFingerprint.last4}</code>)
              </>
            )}{' '}
            <button type="button" className="btn subtle" onClick={() => setConfirmReissue(true)} disabled={issue.busy}>
              Issue a new secret
            </button>
          </Value>
          <Dialog title="Issue a new client secret?" open={confirmReissue} onClose={() => setConfirmReissue(false)}>
            <p>
              The current secret stops working at once, and so do the tokens {remote} obtained with it. {remote}'s outgoing link needs the new secret
              before it can call this site again; its step goes back to pending.
            </p>
            <div className="actions">
              <button
                type="button"
                className="btn danger"
                onClick={() => {
                  setConfirmReissue(false);
                  void issue.run();
                }}
              >
                Issue a new secret
              </button>
              <button type="button" className="btn" onClick={() => setConfirmReissue(false)}>
                Cancel
              </button>
            </div>
          </Dialog>
          {incoming.tokenEndpointUrl !== null && (
            <Value label="Token endpoint" from="this site" to={`${remote}'s outgoing link`}>
              <CopyValue label="Token endpoint URL" value={incoming.tokenEndpointUrl} />
            </Value>
          )}
          <Value label="Scopes granted" from="this site" to={remote}>
            {incoming.scopes.join(', ')}
          </Value>
          <Value label={`${remote}'s redirect URI`} from={`${remote}'s outgoing link`} to="this site" testId="remote-redirect-uri">
            {incoming.redirectUriIsPlaceholder ? (
              <span className="lozenge moved">Placeholder</span>
            ) : (
              <span className="lozenge success">Set</span>
            )}{' '}
            <code>{incoming.redirectUri ?? '—'}</code>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void saveRedirect.run();
              }}
              style={{ marginTop: 8 }}
            >
              <TextField
                label={`Redirect URI shown by ${remote}'s outgoing link`}
                type="url"
                value={redirectUri}
                onChange={setRedirectUri}
                error={saveRedirect.error instanceof ApiError ? saveRedirect.error.at('redirectUri') : undefined}
              />
              <button type="submit" className="btn" disabled={saveRedirect.busy || redirectUri.trim() === ''}>
                Save redirect URI
              </button>
            </form>
          </Value>
          <ErrorBanner error={issue.error ?? saveRedirect.error} />
        </>
      )}
    </>
  );
}

function RemoteColumn({ link, remote, onMark, busy }: { link: ForgeLinkView; remote: string; onMark: (step: ExchangeStepId, done: boolean) => void; busy: boolean }) {
  const steps = new Map(link.exchange.steps.map((s) => [s.id, s]));
  const incomingStep = steps.get('remote-incoming-link');
  const outgoingStep = steps.get('remote-outgoing-link');
  const preset = REMOTE_PRESETS[link.remoteKind];
  const check = (id: ExchangeStepId, label: string, status: 'pending' | 'done') => (
    <div className="choice">
      <input type="checkbox" id={`mark-${id}`} checked={status === 'done'} disabled={busy} onChange={(e) => onMark(id, e.target.checked)} />
      <label htmlFor={`mark-${id}`}>{label}</label>
    </div>
  );
  return (
    <section className="column" aria-labelledby="remote-title">
      <h3 id="remote-title">The remote ({remote})</h3>
      {incomingStep !== undefined && (
        <div className="value">
          <div className="label">Incoming link (OAuth client) for this site</div>
          <p className="subtle">{preset.registrationHint}</p>
          <ul>
            <li>Holds the redirect URL ← from this site</li>
            <li>Issues a client ID and secret → to this site's outgoing client ID and secret</li>
          </ul>
          {check('remote-incoming-link', `Done in ${remote}`, incomingStep.status)}
        </div>
      )}
      {outgoingStep !== undefined && (
        <div className="value">
          <div className="label">Outgoing link to this site</div>
          <ul>
            <li>Holds this site's client ID, client secret and token endpoint ← from this site</li>
            <li>Shows a redirect URI → to this site ({remote}'s redirect URI)</li>
          </ul>
          {check('remote-outgoing-link', `Done in ${remote}`, outgoingStep.status)}
        </div>
      )}
      {incomingStep === undefined && outgoingStep === undefined && <p className="subtle">Nothing to configure in {remote}.</p>}
    </section>
  );
}

function EditDialog({ open, link, onClose, onLink }: { open: boolean; link: ForgeLinkView; onClose: () => void; onLink: (l: ForgeLinkView) => void }) {
  const preset = REMOTE_PRESETS[link.remoteKind];
  const [name, setName] = useState(link.name);
  const [clientId, setClientId] = useState(link.outgoing.clientId ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const [scopes, setScopes] = useState<string[]>(link.outgoing.scopes);
  const [authKind, setAuthKind] = useState(link.authKind);
  const save = useAction(async () => {
    const updated = await call('updateLink', {
      id: link.id,
      expectedVersion: link.version,
      changes: {
        name,
        ...(authKind !== link.authKind ? { authKind } : {}),
        ...(authKind === 'none' ? {} : { outgoing: { ...(clientId.trim() === '' ? {} : { clientId: clientId.trim() }), ...(clientSecret === '' ? {} : { clientSecret }), scopes } }),
      },
    });
    setClientSecret('');
    onLink(updated);
    onClose();
  });
  return (
    <Dialog title="Edit the link" open={open} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <TextField label="Name" value={name} onChange={setName} required />
        <div className="field">
          <label htmlFor="edit-auth">Authentication</label>
          <select id="edit-auth" value={authKind} onChange={(e) => setAuthKind(e.target.value as typeof authKind)}>
            <option value="oauth2">{AUTH_LABELS.oauth2}</option>
            {preset.supportsImpersonation && <option value="oauth2-impersonation">{AUTH_LABELS['oauth2-impersonation']}</option>}
            <option value="none">{AUTH_LABELS.none}</option>
          </select>
        </div>
        {authKind === 'oauth2-impersonation' && <Banner tone="warning" title="Both applications must share a user base" />}
        {authKind !== 'none' && (
          <>
            <TextField label="Outgoing client ID" value={clientId} onChange={setClientId} />
            <TextField label="New outgoing client secret" type="password" value={clientSecret} onChange={setClientSecret} help="Leave empty to keep the current secret." />
            {preset.scopes.length > 0 && <ScopePicker legend={`Scopes to request from ${preset.label}`} scopes={preset.scopes} value={scopes} onChange={setScopes} />}
          </>
        )}
        <ErrorBanner error={save.error} />
        <div className="actions">
          <button type="submit" className="btn primary" disabled={save.busy}>
            Save
          </button>
          <button type="button" className="btn subtle" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RelocateDialog({ open, link, onClose, onLink }: { open: boolean; link: ForgeLinkView; onClose: () => void; onLink: (l: ForgeLinkView) => void }) {
  const [url, setUrl] = useState(link.applicationUrl);
  const relocate = useAction(async () => {
    onLink(await call('relocateLink', { id: link.id, applicationUrl: url.trim() }));
    onClose();
  });
  return (
    <Dialog title="Relocate the link" open={open} onClose={onClose}>
      <p>Use this when {REMOTE_PRESETS[link.remoteKind].label} moved to a new address. The connector is told too; the last test result is cleared, and when the token endpoint moves with
        the address, the tokens from the old one are dropped: authorize the link again there.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void relocate.run();
        }}
      >
        <TextField label="New application URL" type="url" value={url} onChange={setUrl} required error={relocate.error instanceof ApiError ? relocate.error.at('applicationUrl') : undefined} />
        <ErrorBanner error={relocate.error} />
        <div className="actions">
          <button type="submit" className="btn primary" disabled={relocate.busy}>
            Relocate
          </button>
          <button type="button" className="btn subtle" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DeleteDialog({ open, link, onClose, onDeleted }: { open: boolean; link: ForgeLinkView; onClose: () => void; onDeleted: (r: DeleteLinkResult) => void }) {
  const [force, setForce] = useState(false);
  const remove = useAction(async () => onDeleted(await call('deleteLink', { id: link.id, force })));
  return (
    <Dialog title={`Delete ${link.name}?`} open={open} onClose={onClose}>
      <p>This removes the link from this site and from the connector (with the secret it holds). The link's half in {REMOTE_PRESETS[link.remoteKind].label} stays: its administrator removes it there.</p>
      <div className="choice">
        <input type="checkbox" id="delete-force" checked={force} onChange={(e) => setForce(e.target.checked)} />
        <label htmlFor="delete-force">Delete here even if the connector cannot be reached</label>
      </div>
      <ErrorBanner error={remove.error} />
      <div className="actions">
        <button type="button" className="btn danger" onClick={() => void remove.run()} disabled={remove.busy}>
          Delete
        </button>
        <button type="button" className="btn subtle" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

function Deleted({ result, navigate }: { result: DeleteLinkResult; navigate: Navigate }) {
  return (
    <div>
      <h1>Link deleted</h1>
      <Banner tone={result.connector === 'not-deleted' ? 'warning' : 'success'} title={result.connector === 'not-deleted' ? 'Deleted here; the connector could not be reached' : 'Deleted here and on the connector'}>
        {result.connector === 'not-deleted' && <p>The connector may still hold the link and its secret: delete it there with the operator API or CLI.</p>}
      </Banner>
      <Banner tone="info" title="The remote application's half could not be removed from here">
        Ask its administrator to check:
        <ul>
          {result.remote.whatToCheck.map((item, i) => (
            <li key={i}>{item}</li>
          ))}
        </ul>
      </Banner>
      <button type="button" className="btn primary" onClick={() => navigate({ screen: 'links' })}>
        Back to the links
      </button>
    </div>
  );
}
