import { useId } from 'react';
import { REMOTE_PRESETS, SERVICE_ACCOUNTS, type ForgeLinkView, type OutgoingInput } from '../../../../../contract';
import { Banner } from '../../components/Banner';
import { TextField } from '../../components/TextField';
import { fieldError } from '../../field-error';

/** The outgoing values only some kinds have, sent with the client ID and secret. */
export type KindExtras = Pick<OutgoingInput, 'workspace' | 'secretExpiresAt'>;

/**
 * The outgoing step's fields that belong to one kind: Bitbucket Cloud's workspace (test connection
 * checks the consumer's access to it) and, for Data Center service accounts, the date the
 * credential expires (kept with it, so its expiry can be forecast).
 */
export function KindSpecificFields({ link, value, onChange, error }: { link: ForgeLinkView; value: KindExtras; onChange: (v: KindExtras) => void; error: unknown }) {
  const dateId = useId();
  const serviceAccount = link.outgoing.grantType === 'client_credentials' && SERVICE_ACCOUNTS[link.remoteKind] !== undefined;
  if (link.remoteKind === 'bitbucket-cloud') {
    return (
      <>
        <TextField
          label="Workspace ID"
          value={value.workspace ?? ''}
          onChange={(workspace) => onChange({ ...value, workspace: workspace.trim() === '' ? undefined : workspace.trim() })}
          required
          error={fieldError(error, 'changes.outgoing.workspace')}
          help="The workspace the consumer belongs to: the part after bitbucket.org/ in its address. The test checks the consumer's access to it."
        />
        <Banner tone="info" title="The consumer needs a callback URL">
          Bitbucket Cloud only issues OAuth 2.0 tokens to a consumer that has a callback URL, even though it is not used here: enter any URL (for example
          http://localhost) and keep &quot;This is a private consumer&quot; selected.
        </Banner>
      </>
    );
  }
  if (!serviceAccount) return null;
  return (
    <div className="field">
      <label htmlFor={dateId}>Credential expires on (optional)</label>
      <input
        id={dateId}
        type="date"
        value={value.secretExpiresAt ?? ''}
        onChange={(e) => onChange({ ...value, secretExpiresAt: e.target.value === '' ? undefined : e.target.value })}
        aria-describedby={`${dateId}-help`}
      />
      <span id={`${dateId}-help`}>
        <span className="help">
          The date {REMOTE_PRESETS[link.remoteKind].label} shows for the service account&apos;s credential, if it was set to expire. No sign-in is needed: a service
          account needs no redirect URL.
        </span>
      </span>
    </div>
  );
}
