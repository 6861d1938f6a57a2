import { useState } from 'react';
import { REMOTE_PRESETS, type DeleteLinkResult, type ForgeLinkView } from '../../../../../contract';
import { call } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../hooks/useAction';

/** Deletes the link here and on the connector; `force` deletes here even when the connector cannot be reached. */
export function DeleteLinkDialog({ open, link, onClose, onDeleted }: { open: boolean; link: ForgeLinkView; onClose: () => void; onDeleted: (r: DeleteLinkResult) => void }) {
  const [force, setForce] = useState(false);
  const remove = useAction(async () => onDeleted(await call('deleteLink', { id: link.id, force })));
  return (
    <Dialog title={`Delete ${link.name}?`} open={open} onClose={onClose}>
      <p>
        This removes the link from this site and from the connector (with the secret it holds). The link's half in {REMOTE_PRESETS[link.remoteKind].label} stays: its
        administrator removes it there.
      </p>
      <p>The connector first asks {REMOTE_PRESETS[link.remoteKind].label} to revoke the tokens it holds, and the tokens this site issued stop working at once.</p>
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
