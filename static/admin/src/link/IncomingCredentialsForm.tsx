import { useState } from 'react';
import { CLOUD_INCOMING_SCOPES, REMOTE_PRESETS, type ForgeLinkView, type IssuedIncomingCredentials } from '../../../../contract';
import { ErrorBanner } from '../components/ErrorBanner';
import { ScopePicker } from '../components/ScopePicker';
import { TextField } from '../components/TextField';
import { fieldError } from '../field-error';
import { useIssueIncomingCredentials } from './useIssueIncomingCredentials';

/**
 * The form that issues this site's client ID and secret to the remote: the scopes it grants and,
 * when asked (`askRedirectUri`), the redirect URI the remote's outgoing link shows. The wizard's
 * incoming step and the link's page (for a link whose credentials were never issued) both use it.
 * `compact` is the link page's layout as it always was: the button sits right under the scopes,
 * inside a value row, and keeps its label while busy (the wizard's says "Issuing…").
 */
export function IncomingCredentialsForm({
  link,
  legend,
  askRedirectUri,
  compact = false,
  onIssued,
}: {
  link: ForgeLinkView;
  legend: string;
  askRedirectUri: boolean;
  compact?: boolean;
  onIssued: (issued: IssuedIncomingCredentials) => void | Promise<void>;
}) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const [scopes, setScopes] = useState<string[]>(['READ']);
  const [redirectUri, setRedirectUri] = useState('');
  const [secretExpiresAt, setSecretExpiresAt] = useState('');
  const issue = useIssueIncomingCredentials(link, onIssued);
  const button = (
    <button type="submit" className="btn primary" disabled={issue.busy || scopes.length === 0}>
      {issue.busy && !compact ? 'Issuing…' : 'Issue client ID and secret'}
    </button>
  );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void issue.run(scopes, redirectUri, secretExpiresAt);
      }}
    >
      <ScopePicker legend={legend} scopes={CLOUD_INCOMING_SCOPES} value={scopes} onChange={setScopes} />
      {askRedirectUri && (
        <TextField
          label={`Redirect URI from ${remote}'s outgoing link`}
          type="url"
          value={redirectUri}
          onChange={setRedirectUri}
          error={fieldError(issue.error, 'redirectUri')}
          help={`If ${remote} does not show it yet, leave this empty: the application URL is used as a placeholder, and the link says so until you replace it.`}
        />
      )}
      <TextField
        label="Secret expires on (optional)"
        type="date"
        value={secretExpiresAt}
        onChange={setSecretExpiresAt}
        error={fieldError(issue.error, 'secretExpiresAt')}
        help={`From this day (UTC) ${remote} can no longer get tokens with the secret; the link warns 30, 14, 7 and 1 days ahead. Leave empty for a secret that does not expire.`}
      />
      <ErrorBanner error={issue.error} />
      {compact ? button : <div className="actions">{button}</div>}
    </form>
  );
}
