import { useState } from 'react';
import { REMOTE_PRESETS, type ForgeLinkView } from '../../../../../contract';
import { call } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { fieldError } from '../../field-error';
import { useAction } from '../../hooks/useAction';

/** Moves the link to the remote's new address (the connector probes it first), saying what that drops. */
export function RelocateLinkDialog({ open, link, onClose, onLink }: { open: boolean; link: ForgeLinkView; onClose: () => void; onLink: (l: ForgeLinkView) => void }) {
  const [url, setUrl] = useState(link.applicationUrl);
  const relocate = useAction(async () => {
    onLink(await call('relocateLink', { id: link.id, applicationUrl: url.trim() }));
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
