import { useState } from 'react';
import type { ForgeLinkView, OutgoingProviderView } from '../../../../../contract';
import { call } from '../../api';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { fieldError } from '../../field-error';
import { useAction } from '../../hooks/useAction';
import { DiscoverMetadataButton } from '../../link/DiscoverMetadataButton';
import { draftFromView, patchFromDraft, replaceFromMetadata } from '../../link/provider-draft';
import { ProviderSettingsFields } from '../../link/ProviderSettingsFields';

/**
 * Edits what ProviderPanel shows. Mounted when it opens, with the link as it was then (the same
 * rule as the Edit dialog: the version sent is the one these fields came from). A token endpoint
 * that moves to another host needs the client secret again: the connector sends a secret only to
 * the origin it was entered for, and says so if it is missing.
 */
export function ProviderSettingsDialog({ link, provider, onClose, onLink }: { link: ForgeLinkView; provider: OutgoingProviderView; onClose: () => void; onLink: (l: ForgeLinkView) => void }) {
  const [draft, setDraft] = useState(() => draftFromView(provider));
  const [tenant, setTenant] = useState(provider.tenant ?? '');
  const [expiry, setExpiry] = useState(provider.secretExpiresAt?.slice(0, 10) ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const custom = link.remoteKind === 'custom';
  const save = useAction(async () => {
    const outgoing = custom
      ? { ...patchFromDraft(draft), ...(clientSecret === '' ? {} : { clientSecret }) }
      : { tenant: tenant.trim() === '' ? null : tenant.trim(), secretExpiresAt: expiry === '' ? null : expiry };
    onLink(await call('updateLink', { id: link.id, expectedVersion: link.version, changes: { outgoing } }));
    setClientSecret('');
    onClose();
  });
  return (
    <Dialog title="Edit endpoints and settings" open onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        {custom ? (
          <>
            <DiscoverMetadataButton url={link.applicationUrl} onFound={(found) => setDraft((current) => replaceFromMetadata(current, found))} />
            <ProviderSettingsFields value={draft} onChange={setDraft} error={save.error} errorPrefix="changes.outgoing." />
            <TextField
              label="Client secret (only if the token endpoint moves to another host)"
              type="password"
              value={clientSecret}
              onChange={setClientSecret}
              error={fieldError(save.error, 'changes.outgoing.clientSecret')}
              help="The connector sends the secret only to the host it was entered for."
            />
          </>
        ) : (
          <>
            <TextField label="Directory (tenant) ID or domain" value={tenant} onChange={setTenant} placeholder="common" error={fieldError(save.error, 'changes.outgoing.tenant')} />
            <div className="field">
              <label htmlFor="provider-secret-expiry">Client secret expires on</label>
              <input id="provider-secret-expiry" type="date" value={expiry} onChange={(e) => setExpiry(e.target.value)} />
            </div>
          </>
        )}
        <ErrorBanner error={save.error} />
        <div className="actions">
          <button type="submit" className="btn primary" disabled={save.busy}>
            Save
          </button>
          <button type="button" className="btn subtle" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
