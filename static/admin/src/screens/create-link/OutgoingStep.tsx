import { useState } from 'react';
import { REMOTE_PRESETS, offeredScopes, type ForgeLinkView, type OutgoingPatch } from '../../../../../contract';
import { call } from '../../api';
import { Banner } from '../../components/Banner';
import { CopyValue } from '../../components/CopyValue';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { fieldError } from '../../field-error';
import { useAction } from '../../hooks/useAction';
import { ScopesField } from '../../link/ScopesField';
import { OUTGOING_SECTIONS } from './outgoing-sections';
import { KindSpecificFields, type KindExtras } from './KindSpecificFields';

/**
 * Outgoing: the redirect URL to register in the remote, then the client ID and secret the remote
 * issues. The secret goes to the connector and is cleared from the form once saved.
 */
export function OutgoingStep({ link, onLink, onNext }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; onNext: () => void }) {
  const preset = REMOTE_PRESETS[link.remoteKind];
  const [clientId, setClientId] = useState(link.outgoing.clientId ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const [scopes, setScopes] = useState<string[]>(link.outgoing.scopes.length > 0 ? link.outgoing.scopes : [...preset.defaultScopes]);
  // What a kind's own section adds (an Entra secret's expiry, ...).
  const [extra, setExtra] = useState<Partial<OutgoingPatch>>({});
  const sections = OUTGOING_SECTIONS[link.remoteKind] ?? {};
  // Bitbucket Cloud's workspace, a service account's expiry.
  const [extras, setExtras] = useState<KindExtras>({});
  const save = useAction(async () => {
    const updated = await call('updateLink', {
      id: link.id,
      expectedVersion: link.version,
      changes: {
        outgoing: {
          clientId: clientId.trim(),
          clientSecret,
          scopes,
          ...extra,
          ...extras,
        },
      },
    });
    setClientSecret('');
    onLink(await call('updateExchangeStep', { id: updated.id, step: 'remote-incoming-link', status: 'done' }).catch(() => updated));
    onNext();
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h2>Outgoing: credentials {preset.label} issues to this site</h2>
      <h3>1. Register this redirect URL in {preset.label}</h3>
      <p className="subtle">{preset.registrationHint}</p>
      {link.outgoing.redirectUri !== null ? (
        <CopyValue label="Redirect URL to register" value={link.outgoing.redirectUri} />
      ) : (
        <Banner tone="warning" title="The connector did not report its redirect URL">
          Check the connector's CONNECTOR_PUBLIC_URL; the redirect URL is that URL followed by /oauth/callback.
        </Banner>
      )}
      {sections.redirect !== undefined && <sections.redirect redirectUri={link.outgoing.redirectUri} />}
      <h3>2. Enter the client ID and secret {preset.label} shows</h3>
      <TextField label="Client ID" value={clientId} onChange={setClientId} required error={fieldError(save.error, 'changes.outgoing.clientId')} />
      <TextField
        label="Client secret"
        type="password"
        value={clientSecret}
        onChange={setClientSecret}
        required
        error={fieldError(save.error, 'changes.outgoing.clientSecret')}
        help="Write-only: it goes to the connector, which keeps it encrypted; this site keeps only its last 4 characters."
      />
      {sections.secret !== undefined && <sections.secret link={link} clientSecret={clientSecret} extra={extra} onExtra={(changes) => setExtra((current) => ({ ...current, ...changes }))} error={save.error} />}
      <KindSpecificFields link={link} value={extras} onChange={setExtras} error={save.error} />
      <ScopesField
        kind={link.remoteKind}
        offered={offeredScopes(link.remoteKind, link.outgoing.grantType, preset.scopes)}
        value={scopes}
        onChange={setScopes}
        error={fieldError(save.error, 'changes.outgoing.scopes')}
      />
      <ErrorBanner error={save.error} />
      <div className="actions">
        <button type="submit" className="btn primary" disabled={save.busy || clientId.trim() === '' || clientSecret === ''}>
          {save.busy ? 'Saving…' : 'Save and continue'}
        </button>
      </div>
    </form>
  );
}
