import type { ReactNode } from 'react';
import { REMOTE_KINDS, REMOTE_PRESETS, type ProbeResult } from '../../../../../contract';
import { Banner } from '../../components/Banner';
import { TextField } from '../../components/TextField';
import { AuthKindChoice } from './AuthKindChoice';
import { KIND_SECTIONS } from './kind-sections';
import { ProbeFindings } from './ProbeFindings';
import { versionRule } from './version-rules';
import { ServiceAccountChoice } from './ServiceAccountChoice';
import type { LinkDraft } from './wizard-steps';

/** Step 2: what the connector found, then the type, name, display URL and authentication, preselected from it. */
export function KindStep({
  draft,
  onDraft,
  probe,
  probeError,
  onNext,
  onBack,
  notice,
}: {
  /** Shown under what the probe found (the duplicate-link warning). */
  notice?: ReactNode;
  draft: LinkDraft;
  onDraft: (changes: Partial<LinkDraft>) => void;
  probe: ProbeResult | undefined;
  probeError: unknown;
  onNext: () => void;
  onBack: () => void;
}) {
  const preset = REMOTE_PRESETS[draft.kind];
  const Section = KIND_SECTIONS[draft.kind];
  const { blocked } = versionRule(draft.kind, probe);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onNext();
      }}
    >
      <h2>What is at {draft.applicationUrl}?</h2>
      <ProbeFindings probe={probe} error={probeError} applicationUrl={draft.applicationUrl} displayUrl={draft.displayUrl} onDisplayUrl={(displayUrl) => onDraft({ displayUrl })} />
      {notice}
      <fieldset>
        <legend>Application type</legend>
        <div className="kinds">
          {REMOTE_KINDS.map((k) => (
            <label key={k}>
              <input
                type="radio"
                name="kind"
                value={k}
                checked={draft.kind === k}
                // Below the minimum version only an outgoing-only link can be chosen.
                onChange={() => onDraft({ kind: k, ...(versionRule(k, probe).blocked !== null ? { authKind: 'none' as const } : {}) })}
              />{' '}
              {REMOTE_PRESETS[k].label}
              {REMOTE_PRESETS[k].minimumVersion !== undefined && <div className="subtlest">OAuth 2.0 links from version {REMOTE_PRESETS[k].minimumVersion}</div>}
            </label>
          ))}
        </div>
      </fieldset>
      <TextField label="Link name" value={draft.name} onChange={(name) => onDraft({ name })} required help="How the link is listed here." />
      <TextField
        label="Display URL (optional)"
        type="url"
        value={draft.displayUrl}
        onChange={(displayUrl) => onDraft({ displayUrl })}
        help="Only when users reach the application at another address than the application URL (the remote's base URL). Confirm which one users see."
      />
      <AuthKindChoice kind={draft.kind} value={draft.authKind} onChange={(authKind) => onDraft({ authKind })} versionBlocked={blocked} />
      {Section !== undefined && draft.authKind !== 'none' && <Section draft={draft} onDraft={onDraft} probe={probe} />}
      <ServiceAccountChoice draft={draft} probe={probe} onDraft={onDraft} />
      {draft.authKind === 'oauth2-impersonation' && (
        <Banner tone="warning" title="Impersonation: both applications must share a user base">
          Requests run as the signed-in user, matched by user name in {preset.label}. Use it only when both sides share the same users (for example the same LDAP or
          identity provider); otherwise a request can run as a different person who has the same name.
        </Banner>
      )}
      <div className="actions">
        <button type="submit" className="btn primary">
          Next
        </button>
        <button type="button" className="btn subtle" onClick={onBack}>
          Back
        </button>
      </div>
    </form>
  );
}
