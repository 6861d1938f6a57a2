import { Dialog } from '../../components/Dialog';

/** Asks before issuing a new incoming secret, saying what stops working at once. */
export function ReissueSecretDialog({ open, remote, onClose, onConfirm }: { open: boolean; remote: string; onClose: () => void; onConfirm: () => void }) {
  return (
    <Dialog title="Issue a new client secret?" open={open} onClose={onClose}>
      <p>
        The current secret stops working at once, and so do the tokens {remote} obtained with it. {remote}'s outgoing link needs the new secret before it can call
        this site again; its step goes back to pending.
      </p>
      <div className="actions">
        <button type="button" className="btn danger" onClick={onConfirm}>
          Issue a new secret
        </button>
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
