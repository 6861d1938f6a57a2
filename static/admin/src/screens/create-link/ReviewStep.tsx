import { REMOTE_PRESETS } from '../../../../../contract';
import { ErrorBanner } from '../../components/ErrorBanner';
import { AUTH_LABELS } from '../../link/labels';
import { nameFromUrl, type LinkDraft } from './wizard-steps';

/** Step 3: the choices once more before the link is created (nothing exists on either side until then). */
export function ReviewStep({ draft, creating, error, onCreate, onBack }: { draft: LinkDraft; creating: boolean; error: unknown; onCreate: () => void; onBack: () => void }) {
  const preset = REMOTE_PRESETS[draft.kind];
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
      </dl>
      {draft.authKind === 'none' ? (
        <p>The link is created outgoing only, without authentication. You can add authentication later from the link's page.</p>
      ) : (
        <p>
          Next you exchange credentials with {preset.label}: each side issues a client ID and secret that the other side enters. This page shows each value, where it
          comes from and where it goes.
        </p>
      )}
      <ErrorBanner error={error} />
      <div className="actions">
        <button type="button" className="btn primary" disabled={creating} onClick={onCreate}>
          {creating ? 'Creating…' : 'Create link'}
        </button>
        <button type="button" className="btn subtle" onClick={onBack}>
          Back
        </button>
      </div>
    </div>
  );
}
