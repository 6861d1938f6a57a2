import type { ForgeLinkView } from '../../../../../contract';
import { TextField } from '../../components/TextField';
import { fieldError } from '../../field-error';
import { ExchangeValue } from './ExchangeValue';

type Incoming = NonNullable<ForgeLinkView['incoming']>;

/** The redirect URI the remote's outgoing link shows: flagged while it is the placeholder, with the field that replaces it. */
export function RemoteRedirectUriValue(props: { incoming: Incoming; remote: string; value: string; onChange: (v: string) => void; saving: boolean; error: unknown; onSave: () => void }) {
  const { incoming, remote } = props;
  return (
    <ExchangeValue label={`${remote}'s redirect URI`} from={`${remote}'s outgoing link`} to="this site" testId="remote-redirect-uri">
      {incoming.redirectUriIsPlaceholder ? <span className="lozenge moved">Placeholder</span> : <span className="lozenge success">Set</span>} <code>{incoming.redirectUri ?? '—'}</code>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          props.onSave();
        }}
        style={{ marginTop: 8 }}
      >
        <TextField
          label={`Redirect URI shown by ${remote}'s outgoing link`}
          type="url"
          value={props.value}
          onChange={props.onChange}
          error={fieldError(props.error, 'redirectUri')}
        />
        <button type="submit" className="btn" disabled={props.saving || props.value.trim() === ''}>
          Save redirect URI
        </button>
      </form>
    </ExchangeValue>
  );
}
