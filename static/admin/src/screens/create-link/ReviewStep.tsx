import type { ReactNode } from 'react';
import { REMOTE_PRESETS, isAtlassianApplication, type ProbeResult } from '../../../../../contract';
import { Banner } from '../../components/Banner';
import { ErrorBanner } from '../../components/ErrorBanner';
import { AUTH_LABELS } from '../../link/labels';
import { versionRule } from './version-rules';
import { nameFromUrl, type LinkDraft } from './wizard-steps';

/** Step 3: the choices once more before the link is created (nothing exists on either side until then). */
export function ReviewStep({
  draft,
  probe,
  creating,
  error,
  onCreate,
  onBack,
  children,
}: {
  draft: LinkDraft;
  probe: ProbeResult | undefined;
  creating: boolean;
  error: unknown;
  onCreate: () => void;
  onBack: () => void;
  /** Warnings from elsewhere (a link that already exists to this URL). */
  children?: ReactNode;
}) {
  const preset = REMOTE_PRESETS[draft.kind];
  const rule = versionRule(draft.kind, probe);
  return (
    <div>
      <h2>Review</h2>
      <dl className="meta">
        <dt>Name</dt>
        <dd>{draft.name || nameFromUrl(draft.applicationUrl)}</dd>
        <dt>Type</dt>
        <dd>{preset.label}</dd>
        <dt>Application URL</dt>
        <dd>
          <code>{draft.applicationUrl}</code>
        </dd>
        <dt>Display URL</dt>
        <dd>{draft.displayUrl === '' ? 'same as the application URL' : <code>{draft.displayUrl}</code>}</dd>
        <dt>Authentication</dt>
        <dd>{AUTH_LABELS[draft.authKind]}</dd>
        {draft.kind === 'custom' && draft.authKind !== 'none' && (
          <>
            <dt>Token endpoint</dt>
            <dd>
              <code>{draft.provider.tokenEndpoint}</code>
            </dd>
          </>
        )}
        {draft.outgoing.tenant !== undefined && (
          <>
            <dt>Tenant</dt>
            <dd>
              <code>{draft.outgoing.tenant}</code>
            </dd>
          </>
        )}
      </dl>
      {children}
      {draft.authKind !== 'none' && rule.blocked !== null && (
        <Banner tone="error" title="OAuth 2.0 is not available at this version">
          {rule.blocked} Go back and choose an outgoing-only link, or upgrade {preset.label} first.
        </Banner>
      )}
      {draft.authKind !== 'none' && rule.unverified !== null && (
        <Banner tone="warning" title="The version is not confirmed">
          {rule.unverified}
        </Banner>
      )}
      {draft.authKind === 'none' && probe?.oauth2.supported === false && (
        <Banner tone="info" title="Outgoing only">
          {probe.name ?? preset.label} {probe.version ?? ''} has no OAuth 2.0 application links ({probe.oauth2.minimumVersion ?? 'a newer version'} or later): the link reaches its public data, and its test checks that it is reachable and which application it is.
        </Banner>
      )}
      {draft.authKind === 'none' ? (
        <p>The link is created outgoing only, without authentication. You can add authentication later from the link's page.</p>
      ) : isAtlassianApplication(draft.kind) ? (
        <p>
          Next you exchange credentials with {preset.label}: each side issues a client ID and secret that the other side enters. This page shows each value, where it
          comes from and where it goes.
        </p>
      ) : (
        <p>Next you register the connector's redirect URL in {preset.label} and enter the client ID and secret it issues.</p>
      )}
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="button" className="btn primary" disabled={creating || (draft.authKind !== 'none' && rule.blocked !== null)} onClick={onCreate}>
          {creating ? 'Creating…' : 'Create link'}
        </button>
        <button type="button" className="btn subtle" onClick={onBack}>
          Back
        </button>
      </div>
    </div>
  );
}
