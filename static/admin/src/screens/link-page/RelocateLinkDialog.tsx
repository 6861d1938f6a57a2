import { useState } from 'react';
import { REMOTE_PRESETS, type ForgeLinkView } from '../../../../../contract';
import { call } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { fieldError } from '../../field-error';
import { useAction } from '../../hooks/useAction';

/**
 * Moves the link to the remote's new address (the connector probes it first), saying what that
 * drops. The outgoing client secret is asked for again: the connector refuses a move that takes the
 * token endpoint to another host without it, since a secret goes only where it was entered for.
 */
export function RelocateLinkDialog({ open, link, onClose, onLink }: { open: boolean; link: ForgeLinkView; onClose: () => void; onLink: (l: ForgeLinkView) => void }) {
  const [url, setUrl] = useState(link.applicationUrl);
  const [clientSecret, setClientSecret] = useState('');
  const asksSecret = link.outgoing.hasClientSecret;
  const relocate = useAction(async () => {
    onLink(await call('relocateLink', { id: link.id, applicationUrl: url.trim(), ...(asksSecret && clientSecret !== '' ? { clientSecret } : {}) }));
    setClientSecret('');
    onClose();
  });
  return (
    <Dialog title="Relocate the link" open={open} onClose={onClose}>
      <p>
        Use this when {REMOTE_PRESETS[link.remoteKind].label} moved to a new address. The connector is told too; the last test result is cleared, and when the token
        endpoint moves with the address, the tokens from the old one are dropped: authorize the link again there.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void relocate.run();
        }}
      >
        <TextField label="New application URL" type="url" value={url} onChange={setUrl} required error={fieldError(relocate.error, 'applicationUrl')} />
        {asksSecret && (
          <TextField
            label="Outgoing client secret"
            type="password"
            value={clientSecret}
            onChange={setClientSecret}
            error={fieldError(relocate.error, 'outgoing.clientSecret')}
            help="Enter it again when the remote moves to another host: the secret is sent only to the address it was entered for."
          />
        )}
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
