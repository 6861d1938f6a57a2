import { useState } from 'react';
import {
  CLOUD_INCOMING_SCOPES,
  REMOTE_KINDS,
  REMOTE_PRESETS,
  type AuthKind,
  type CloudIncomingScope,
  type ForgeLinkView,
  type IssuedIncomingCredentials,
  type ProbeResult,
  type RemoteKind,
  type TestConnectionResult,
} from '../../../../contract';
import { ApiError, call, openExternal } from '../api';
import type { Navigate } from '../navigation';
import { Banner } from '../components/Banner';
import { CopyValue } from '../components/CopyValue';
import { ErrorBanner } from '../components/ErrorBanner';
import { ScopePicker } from '../components/ScopePicker';
import { TextField } from '../components/TextField';
import { useAction } from '../hooks/useAction';
import { TestResultView } from '../link/TestResultView';
import { AUTH_LABELS } from '../link/labels';

type Step = 'url' | 'kind' | 'review' | 'incoming' | 'outgoing' | 'authorize' | 'test';
const STEP_LABELS: Record<Step, string> = {
  url: 'Application URL',
  kind: 'Application type',
  review: 'Review',
  incoming: 'Incoming: this site issues',
  outgoing: 'Outgoing: the remote issues',
  authorize: 'Authorize',
  test: 'Test',
};

function stepsFor(authKind: AuthKind, kind: RemoteKind, link: ForgeLinkView | undefined): Step[] {
  if (authKind === 'none') return ['url', 'kind', 'review', 'test'];
  const ids = link?.exchange.steps.map((s) => s.id);
  const family = REMOTE_PRESETS[kind].family;
  const incoming = ids !== undefined ? ids.includes('incoming-credentials') : family === 'data-center' || family === 'atlassian-cloud';
  const authorize = ids !== undefined ? ids.includes('authorize') : REMOTE_PRESETS[kind].defaultGrant === 'authorization_code';
  return ['url', 'kind', 'review', ...(incoming ? (['incoming'] as const) : []), 'outgoing', ...(authorize ? (['authorize'] as const) : []), 'test'];
}

function nameFromUrl(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

export function CreateLinkWizard({ navigate }: { navigate: Navigate }) {
  const [step, setStep] = useState<Step>('url');
  const [applicationUrl, setApplicationUrl] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<RemoteKind>('jira');
  const [displayUrl, setDisplayUrl] = useState('');
  const [authKind, setAuthKind] = useState<AuthKind>('oauth2');
  const [link, setLink] = useState<ForgeLinkView | undefined>(undefined);
  const steps = stepsFor(authKind, kind, link);
  const index = steps.indexOf(step);
  const next = () => setStep(steps[index + 1] ?? 'test');
  const preset = REMOTE_PRESETS[kind];

  const [urlError, setUrlError] = useState<string | undefined>(undefined);
  const [probe, setProbe] = useState<ProbeResult | undefined>(undefined);
  const probing = useAction(async (url: string) => {
    setProbe(undefined);
    const found = await call('probeRemote', { url });
    setProbe(found);
    if (found.kind !== null) setKind(found.kind);
    if (found.name !== null && name === '') setName(found.name);
    return found;
  });
  const create = useAction(async () => {
    const created = await call('createLink', {
      name: name.trim() === '' ? nameFromUrl(applicationUrl) : name.trim(),
      remoteKind: kind,
      applicationUrl,
      ...(displayUrl.trim() === '' ? {} : { displayUrl: displayUrl.trim() }),
      authKind,
    });
    setLink(created);
    const after = stepsFor(authKind, kind, created);
    setStep(after[after.indexOf('review') + 1] ?? 'test');
  });

  return (
    <section aria-labelledby="wizard-title">
      <h1 id="wizard-title">Create an application link</h1>
      <ol className="steps-nav" aria-label="Steps">
        {steps.map((s, i) => (
          <li key={s} aria-current={s === step ? 'step' : undefined} className={i < index ? 'done' : undefined}>
            {i + 1}. {STEP_LABELS[s]}
          </li>
        ))}
      </ol>

      {step === 'url' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            try {
              const url = new URL(applicationUrl);
              if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('protocol');
              setUrlError(undefined);
              void probing.run(applicationUrl).finally(() => {
                setName((current) => (current === '' ? url.hostname : current));
                next();
              });
            } catch {
              setUrlError('Enter the URL as https://host[:port][/context], as it appears in the browser.');
            }
          }}
        >
          <h2>Where is the application?</h2>
          <TextField
            label="Application URL"
            type="url"
            value={applicationUrl}
            onChange={setApplicationUrl}
            placeholder="https://jira.example.com"
            autoFocus
            required
            error={urlError}
            help="The URL must be reachable from the connector. Tunnelled application links are not supported with OAuth 2.0."
          />
          <div className="actions">
            <button type="submit" className="btn primary" disabled={probing.busy}>
              {probing.busy ? 'Looking at the URL…' : 'Next'}
            </button>
            <button type="button" className="btn subtle" onClick={() => navigate({ screen: 'links' })}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {step === 'kind' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            next();
          }}
        >
          <h2>What is at {applicationUrl}?</h2>
          <ProbeView probe={probe} error={probing.error} applicationUrl={applicationUrl} displayUrl={displayUrl} onDisplayUrl={setDisplayUrl} />
          <fieldset>
            <legend>Application type</legend>
            <div className="kinds">
              {REMOTE_KINDS.map((k) => (
                <label key={k}>
                  <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} /> {REMOTE_PRESETS[k].label}
                  {REMOTE_PRESETS[k].minimumVersion !== undefined && <div className="subtlest">OAuth 2.0 links from version {REMOTE_PRESETS[k].minimumVersion}</div>}
                </label>
              ))}
            </div>
          </fieldset>
          <TextField label="Link name" value={name} onChange={setName} required help="How the link is listed here." />
          <TextField
            label="Display URL (optional)"
            type="url"
            value={displayUrl}
            onChange={setDisplayUrl}
            help="Only when users reach the application at another address than the application URL (the remote's base URL). Confirm which one users see."
          />
          <fieldset>
            <legend>Authentication</legend>
            {(['oauth2', 'oauth2-impersonation', 'none'] as const).map((a) => {
              const disabled = a === 'oauth2-impersonation' && !preset.supportsImpersonation;
              return (
                <div className="choice" key={a}>
                  <input type="radio" id={`auth-${a}`} name="authKind" value={a} checked={authKind === a} disabled={disabled} onChange={() => setAuthKind(a)} />
                  <label htmlFor={`auth-${a}`}>
                    {AUTH_LABELS[a]}
                    <div className="subtlest">
                      {a === 'oauth2' && 'Requests act as the one account that authorizes the link.'}
                      {a === 'oauth2-impersonation' && (disabled ? `${preset.label} cannot impersonate users.` : 'Requests act as the user who is signed in.')}
                      {a === 'none' &&
                        'If you are an administrator of this site only: the link can reach public data; an administrator of the other application completes it later.'}
                    </div>
                  </label>
                </div>
              );
            })}
          </fieldset>
          {authKind === 'oauth2-impersonation' && (
            <Banner tone="warning" title="Impersonation: both applications must share a user base">
              Requests run as the signed-in user, matched by user name in {preset.label}. Use it only when both sides share the same users (for example the same LDAP
              or identity provider); otherwise a request can run as a different person who has the same name.
            </Banner>
          )}
          <div className="actions">
            <button type="submit" className="btn primary">
              Next
            </button>
            <button type="button" className="btn subtle" onClick={() => setStep('url')}>
              Back
            </button>
          </div>
        </form>
      )}

      {step === 'review' && (
        <div>
          <h2>Review</h2>
          <dl className="meta">
            <dt>Name</dt>
            <dd>{name || nameFromUrl(applicationUrl)}</dd>
            <dt>Type</dt>
            <dd>{preset.label}</dd>
            <dt>Application URL</dt>
            <dd>
              <code>{applicationUrl}</code>
            </dd>
            <dt>Display URL</dt>
            <dd>{displayUrl === '' ? 'same as the application URL' : <code>{displayUrl}</code>}</dd>
            <dt>Authentication</dt>
            <dd>{AUTH_LABELS[authKind]}</dd>
          </dl>
          {authKind === 'none' ? (
            <p>The link is created outgoing only, without authentication. You can add authentication later from the link's page.</p>
          ) : (
            <p>
              Next you exchange credentials with {preset.label}: each side issues a client ID and secret that the other side enters. This page shows each value, where
              it comes from and where it goes.
            </p>
          )}
          <ErrorBanner error={create.error} />
          <div className="actions">
            <button type="button" className="btn primary" disabled={create.busy} onClick={() => void create.run()}>
              {create.busy ? 'Creating…' : 'Create link'}
            </button>
            <button type="button" className="btn subtle" onClick={() => setStep('kind')}>
              Back
            </button>
          </div>
        </div>
      )}

      {step === 'incoming' && link !== undefined && <IncomingStep link={link} onLink={setLink} onNext={next} />}
      {step === 'outgoing' && link !== undefined && <OutgoingStep link={link} onLink={setLink} onNext={next} />}
      {step === 'authorize' && link !== undefined && <AuthorizeStep link={link} onNext={next} />}
      {step === 'test' && link !== undefined && <TestStep link={link} navigate={navigate} />}
    </section>
  );
}

/** What the connector found at the URL (seed 001: kind, version, OAuth 2.0 support, display URL to confirm). */
function ProbeView(props: { probe: ProbeResult | undefined; error: unknown; applicationUrl: string; displayUrl: string; onDisplayUrl: (url: string) => void }) {
  const { probe } = props;
  if (probe === undefined) {
    return (
      <Banner tone="info" title="Choose the application type">
        The connector could not look at the URL{props.error instanceof ApiError ? ` (${props.error.code}: ${props.error.message})` : ''}, so the type, version and
        OAuth 2.0 support are not detected: choose the type yourself. The test at the end checks them.
      </Banner>
    );
  }
  return (
    <div data-testid="probe-result" data-code={probe.code}>
      {probe.atlassian ? (
        <Banner tone={probe.oauth2.supported === false ? 'error' : 'success'} title={`Found ${probe.name ?? probe.typeId ?? 'an Atlassian application'}${probe.version !== null ? ` ${probe.version}` : ''}`}>
          {probe.oauth2.supported === true && <p>It supports OAuth 2.0 application links. The type is selected below.</p>}
          {probe.oauth2.supported === false && (
            <p>
              <strong>The remote does not support OAuth 2.0</strong> application links: upgrade it to {probe.oauth2.minimumVersion ?? 'a supported version'} or later. You
              can still create an outgoing-only link without authentication.
            </p>
          )}
          {probe.oauth2.supported === null && <p>Its version does not say whether it supports OAuth 2.0 application links.</p>}
        </Banner>
      ) : (
        <Banner tone="warning" title={probe.message}>
          {probe.hint} <span className="subtlest">Code: {probe.code}</span>
        </Banner>
      )}
      {probe.displayUrlDiffers && probe.displayUrl !== null && (
        <fieldset>
          <legend>The remote says its URL is {probe.displayUrl}: which one do users reach?</legend>
          <div className="choice">
            <input type="radio" id="display-same" name="display" checked={props.displayUrl === ''} onChange={() => props.onDisplayUrl('')} />
            <label htmlFor="display-same">
              <code>{props.applicationUrl}</code> (the application URL)
            </label>
          </div>
          <div className="choice">
            <input type="radio" id="display-remote" name="display" checked={props.displayUrl === probe.displayUrl} onChange={() => props.onDisplayUrl(probe.displayUrl!)} />
            <label htmlFor="display-remote">
              <code>{probe.displayUrl}</code> (the remote's display URL)
            </label>
          </div>
        </fieldset>
      )}
    </div>
  );
}

function IncomingStep({ link, onLink, onNext }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; onNext: () => void }) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const [scopes, setScopes] = useState<string[]>(['READ']);
  const [redirectUri, setRedirectUri] = useState('');
  const [issued, setIssued] = useState<IssuedIncomingCredentials | undefined>(undefined);
  const [configured, setConfigured] = useState(false);
  const issue = useAction(async () => {
    const placeholder = redirectUri.trim() === '';
    const result = await call('issueIncomingCredentials', {
      id: link.id,
      scopes: scopes as CloudIncomingScope[],
      redirectUri: placeholder ? link.applicationUrl : redirectUri.trim(),
      redirectUriIsPlaceholder: placeholder,
    });
    setIssued(result);
  });
  const done = useAction(async () => {
    if (configured) onLink(await call('updateExchangeStep', { id: link.id, step: 'remote-outgoing-link', status: 'done' }));
    else onLink(await call('getLink', { id: link.id }));
    onNext();
  });
  return (
    <div>
      <h2>Incoming: credentials this site issues to {remote}</h2>
      <p>
        {remote} calls this site with a client ID and secret that this site issues. Choose what it may do, then copy the values into {remote}'s outgoing link
        (Administration &gt; Application links &gt; the link &gt; Configure outgoing).
      </p>
      {issued === undefined ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void issue.run();
          }}
        >
          <ScopePicker legend="Scopes granted to the remote (a higher scope includes the lower ones)" scopes={CLOUD_INCOMING_SCOPES} value={scopes} onChange={setScopes} />
          <TextField
            label={`Redirect URI from ${remote}'s outgoing link`}
            type="url"
            value={redirectUri}
            onChange={setRedirectUri}
            error={issue.error instanceof ApiError ? issue.error.at('redirectUri') : undefined}
            help={`If ${remote} does not show it yet, leave this empty: the application URL is used as a placeholder, and the link says so until you replace it.`}
          />
          <ErrorBanner error={issue.error} />
          <div className="actions">
            <button type="submit" className="btn primary" disabled={issue.busy || scopes.length === 0}>
              {issue.busy ? 'Issuing…' : 'Issue client ID and secret'}
            </button>
          </div>
        </form>
      ) : (
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
          <div className="choice">
            <input type="checkbox" id="remote-outgoing-done" checked={configured} onChange={(e) => setConfigured(e.target.checked)} />
            <label htmlFor="remote-outgoing-done">I have entered these values in {remote}'s outgoing link</label>
          </div>
          <ErrorBanner error={done.error} />
          <div className="actions">
            <button type="button" className="btn primary" onClick={() => void done.run()} disabled={done.busy}>
              Next
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function OutgoingStep({ link, onLink, onNext }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; onNext: () => void }) {
  const preset = REMOTE_PRESETS[link.remoteKind];
  const [clientId, setClientId] = useState(link.outgoing.clientId ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const [scopes, setScopes] = useState<string[]>(link.outgoing.scopes.length > 0 ? link.outgoing.scopes : [...preset.defaultScopes]);
  const [authorizationEndpoint, setAuthorizationEndpoint] = useState('');
  const [tokenEndpoint, setTokenEndpoint] = useState('');
  const save = useAction(async () => {
    const updated = await call('updateLink', {
      id: link.id,
      expectedVersion: link.version,
      changes: {
        outgoing: {
          clientId: clientId.trim(),
          clientSecret,
          scopes,
          ...(preset.endpoints === null ? { authorizationEndpoint, tokenEndpoint } : {}),
        },
      },
    });
    setClientSecret('');
    onLink(await call('updateExchangeStep', { id: updated.id, step: 'remote-incoming-link', status: 'done' }).catch(() => updated));
    onNext();
  });
  const fieldError = (path: string) => (save.error instanceof ApiError ? save.error.at(path) : undefined);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h2>Outgoing: credentials {preset.label} issues to this site</h2>
      <h3>1. Register this redirect URL in {preset.label}</h3>
      <p className="subtle">{preset.registrationHint}</p>
      {link.outgoing.redirectUri !== null ? (
        <CopyValue label="Redirect URL to register" value={link.outgoing.redirectUri} />
      ) : (
        <Banner tone="warning" title="The connector did not report its redirect URL">
          Check the connector's CONNECTOR_PUBLIC_URL; the redirect URL is that URL followed by /oauth/callback.
        </Banner>
      )}
      <h3>2. Enter the client ID and secret {preset.label} shows</h3>
      <TextField label="Client ID" value={clientId} onChange={setClientId} required error={fieldError('changes.outgoing.clientId')} />
      <TextField
        label="Client secret"
        type="password"
        value={clientSecret}
        onChange={setClientSecret}
        required
        error={fieldError('changes.outgoing.clientSecret')}
        help="Write-only: it goes to the connector, which keeps it encrypted; this site keeps only its last 4 characters."
      />
      {preset.endpoints === null && (
        <>
          <TextField label="Authorization endpoint" type="url" value={authorizationEndpoint} onChange={setAuthorizationEndpoint} required />
          <TextField label="Token endpoint" type="url" value={tokenEndpoint} onChange={setTokenEndpoint} required />
        </>
      )}
      {preset.scopes.length > 0 && <ScopePicker legend={`Scopes to request from ${preset.label}`} scopes={preset.scopes} value={scopes} onChange={setScopes} />}
      <ErrorBanner error={save.error} />
      <div className="actions">
        <button type="submit" className="btn primary" disabled={save.busy || clientId.trim() === '' || clientSecret === ''}>
          {save.busy ? 'Saving…' : 'Save and continue'}
        </button>
      </div>
    </form>
  );
}

function AuthorizeStep({ link, onNext }: { link: ForgeLinkView; onNext: () => void }) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const [url, setUrl] = useState<string | null | undefined>(undefined);
  const authorize = useAction(async () => {
    const result = await call('authorizeLink', { id: link.id });
    setUrl(result.authorizationUrl);
    if (result.authorizationUrl !== null) await openExternal(result.authorizationUrl);
  });
  return (
    <div>
      <h2>Authorize the link</h2>
      <p>
        Sign in to {remote} as the account the link should act as, and allow access. {remote} then sends you back to the connector, which keeps the token.
      </p>
      <ErrorBanner error={authorize.error} />
      {url !== undefined && url !== null && (
        <Banner tone="info" title={`${remote}'s sign-in page opened in a new window`}>
          If it did not open,{' '}
          <a href={url} target="_blank" rel="noreferrer" data-testid="authorization-url">
            open the authorization page
          </a>
          . When it says the link is authorized, come back here and test the connection.
        </Banner>
      )}
      {url === null && <Banner tone="success" title="Connected">The link obtained its token without a sign-in (client credentials).</Banner>}
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => void authorize.run()} disabled={authorize.busy}>
          {authorize.busy ? 'Starting…' : `Authorize with ${remote}`}
        </button>
        <button type="button" className="btn" onClick={onNext}>
          Next: test
        </button>
      </div>
    </div>
  );
}

export function TestStep({ link, navigate }: { link: ForgeLinkView; navigate: Navigate }) {
  const [result, setResult] = useState<TestConnectionResult | undefined>(link.lastTest ?? undefined);
  const test = useAction(async () => setResult((await call('testConnection', { id: link.id })).result));
  return (
    <div>
      <h2>Test the connection</h2>
      <p>The connector checks, in order: the URL, DNS, the connection, TLS, the application, its version, the clocks, the credentials, the token and one API call.</p>
      <ErrorBanner error={test.error} />
      {result !== undefined && <TestResultView result={result} />}
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => void test.run()} disabled={test.busy}>
          {test.busy ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="btn" onClick={() => navigate({ screen: 'link', id: link.id })}>
          Open the link's page
        </button>
      </div>
    </div>
  );
}
