import { useState } from 'react';
import { REMOTE_PRESETS, type ForgeLinkView } from '../../../../../contract';
import { call } from '../../api';
import { Banner } from '../../components/Banner';
import { Dialog } from '../../components/Dialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { useAction } from '../../hooks/useAction';
import { EntraSecretFields } from '../../link/EntraSecretFields';
import { AUTH_LABELS } from '../../link/labels';
import { ScopesField } from '../../link/ScopesField';
import { useVersionBlock } from '../../link/useVersionBlock';

/**
 * Name, authentication and the outgoing credentials. The dialog is mounted when it opens and keeps
 * the link as it was then: its fields and the version sent with the change come from that one
 * reading, so an edit made meanwhile (another admin, or a test that refreshed the page's link) is
 * refused with CONFLICT rather than overwritten with fields older than the version. An empty
 * secret field keeps the secret the connector holds.
 */
export function EditLinkDialog({ open, link: current, onClose, onLink }: { open: boolean; link: ForgeLinkView; onClose: () => void; onLink: (l: ForgeLinkView) => void }) {
  const [link] = useState(current);
  const preset = REMOTE_PRESETS[link.remoteKind];
  const [name, setName] = useState(link.name);
  const [clientId, setClientId] = useState(link.outgoing.clientId ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const [scopes, setScopes] = useState<string[]>(link.outgoing.scopes);
  const [authKind, setAuthKind] = useState(link.authKind);
  // A new Entra secret comes with its own expiry; without one the old date is forgotten.
  const [secretExpiresAt, setSecretExpiresAt] = useState('');
  // An outgoing-only link to a version without OAuth 2.0 links cannot be given OAuth 2.0.
  const versionBlocked = useVersionBlock(link, authKind);
  const save = useAction(async () => {
    const updated = await call('updateLink', {
      id: link.id,
      expectedVersion: link.version,
      changes: {
        name,
        ...(authKind !== link.authKind ? { authKind } : {}),
        ...(authKind === 'none' ? {} : { outgoing: { ...(clientId.trim() === '' ? {} : { clientId: clientId.trim() }), ...(clientSecret === '' ? {} : { clientSecret, ...(secretExpiresAt === '' ? {} : { secretExpiresAt }) }), scopes } }),
      },
    });
    setClientSecret('');
    onLink(updated);
    onClose();
  });
  return (
    <Dialog title="Edit the link" open={open} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <TextField label="Name" value={name} onChange={setName} required />
        <div className="field">
          <label htmlFor="edit-auth">Authentication</label>
          <select id="edit-auth" value={authKind} onChange={(e) => setAuthKind(e.target.value as typeof authKind)}>
            <option value="oauth2">{AUTH_LABELS.oauth2}</option>
            {preset.supportsImpersonation && <option value="oauth2-impersonation">{AUTH_LABELS['oauth2-impersonation']}</option>}
            <option value="none">{AUTH_LABELS.none}</option>
          </select>
        </div>
        {authKind === 'oauth2-impersonation' && <Banner tone="warning" title="Both applications must share a user base" />}
        {versionBlocked !== null && (
          <Banner tone="error" title="OAuth 2.0 is not available at this version">
            {versionBlocked}
          </Banner>
        )}
        {authKind !== 'none' && (
          <>
            <TextField label="Outgoing client ID" value={clientId} onChange={setClientId} />
            <TextField label="New outgoing client secret" type="password" value={clientSecret} onChange={setClientSecret} help="Leave empty to keep the current secret." />
            {link.remoteKind === 'microsoft' && clientSecret !== '' && <EntraSecretFields clientSecret={clientSecret} expiresAt={secretExpiresAt} onExpiresAt={setSecretExpiresAt} />}
            <ScopesField kind={link.remoteKind} value={scopes} onChange={setScopes} />
          </>
        )}
        <ErrorBanner error={save.error} />
        <div className="actions">
          <button type="submit" className="btn primary" disabled={save.busy || versionBlocked !== null}>
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
