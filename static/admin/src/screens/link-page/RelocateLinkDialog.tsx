import { useState } from 'react';
import { REMOTE_PRESETS, type ForgeLinkView, type ProbeResult } from '../../../../../contract';
import { call } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { fieldError } from '../../field-error';
import { useAction } from '../../hooks/useAction';
import { DisplayUrlConfirm, type DisplayUrlChoice } from './DisplayUrlConfirm';

/**
 * Moves the link to the remote's new address (the connector probes it first), saying what that
 * drops. The outgoing client secret is asked for again: the connector refuses a move that takes the
 * token endpoint to another host without it, since a secret goes only where it was entered for.
 * When the remote at the new address calls itself by another URL (its display URL), the move waits
 * for the admin to say which URL users reach: the connector accepts it only with that confirmed.
 */
export function RelocateLinkDialog({ open, link, onClose, onLink }: { open: boolean; link: ForgeLinkView; onClose: () => void; onLink: (l: ForgeLinkView) => void }) {
  const [url, setUrl] = useState(link.applicationUrl);
  const [clientSecret, setClientSecret] = useState('');
  const [mismatch, setMismatch] = useState<ProbeResult | undefined>(undefined);
  const [choice, setChoice] = useState<DisplayUrlChoice | undefined>(undefined);
  const asksSecret = link.outgoing.hasClientSecret;
  const probes = REMOTE_PRESETS[link.remoteKind].servesApplinksManifest;
  const relocate = useAction(async () => {
    if (probes && mismatch === undefined) {
      // Look first: a display URL that differs needs the admin's answer before the move.
      const probe = await call('probeRemote', { url: url.trim(), kind: link.remoteKind });
      if (probe.displayUrlDiffers && probe.displayUrl !== null) {
        setMismatch(probe);
        return;
      }
    }
    if (mismatch !== undefined && choice !== 'display') return;
    const displayUrl = mismatch?.displayUrl ?? undefined;
    onLink(
      await call('relocateLink', {
        id: link.id,
        applicationUrl: url.trim(),
        ...(displayUrl === undefined ? {} : { displayUrl }),
        ...(asksSecret && clientSecret !== '' ? { clientSecret } : {}),
      }),
    );
    setClientSecret('');
    setMismatch(undefined);
    setChoice(undefined);
    onClose();
  });
  const waiting = mismatch !== undefined && choice !== 'display';
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
        <TextField
          label="New application URL"
          type="url"
          value={url}
          onChange={(next) => {
            setUrl(next);
            setMismatch(undefined);
            setChoice(undefined);
          }}
          required
          error={fieldError(relocate.error, 'applicationUrl')}
        />
        {mismatch?.displayUrl != null && <DisplayUrlConfirm applicationUrl={url.trim()} displayUrl={mismatch.displayUrl} value={choice} onChange={setChoice} />}
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
          <button type="submit" className="btn primary" disabled={relocate.busy || waiting}>
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
