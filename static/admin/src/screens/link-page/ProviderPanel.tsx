import { useState } from 'react';
import { REMOTE_PRESETS, type ForgeLinkView } from '../../../../../contract';
import { ProviderSettingsDialog } from './ProviderSettingsDialog';

/** Whether a kind has provider settings the link's page shows: custom providers' endpoints, Entra's tenant and secret expiry. */
export const hasProviderSettings = (link: ForgeLinkView): boolean => link.authKind !== 'none' && (link.remoteKind === 'custom' || link.remoteKind === 'microsoft');

/**
 * The provider's side as the connector holds it: for a custom provider its endpoints, client
 * authentication, PKCE and extra parameters; for Entra its tenant and when the secret expires.
 * Editable here, since a provider's endpoints or a tenant can change after the link exists.
 */
export function ProviderPanel({ link, onLink }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void }) {
  const [editing, setEditing] = useState(false);
  const p = link.outgoing.provider;
  const row = (label: string, value: string | null, code = true) => (
    <>
      <dt>{label}</dt>
      <dd>{value === null || value === '' ? <span className="subtlest">not set</span> : code ? <code>{value}</code> : value}</dd>
    </>
  );
  return (
    <section aria-labelledby="provider-title" data-testid="provider-panel">
      <h2 id="provider-title">{REMOTE_PRESETS[link.remoteKind].label}: endpoints and settings</h2>
      {p === null ? (
        <p className="subtle">Not known yet: this site has not read them from the connector. Reload the page when the connector answers.</p>
      ) : (
        <dl className="meta">
          {link.remoteKind === 'custom' && (
            <>
              {row('Authorization endpoint', p.authorizationEndpoint)}
              {row('Token endpoint', p.tokenEndpoint)}
              {row('Revocation endpoint', p.revocationEndpoint)}
              {row('API probe URL', p.apiProbeUrl)}
              {row('Client authentication', p.clientAuth === 'basic' ? 'HTTP Basic (client_secret_basic)' : 'In the request body (client_secret_post)', false)}
              {row('PKCE', p.pkce ? 'On (S256)' : 'Off', false)}
              {row('Extra authorization parameters', Object.entries(p.authorizeParams).map(([k, v]) => `${k}=${v}`).join(' '))}
            </>
          )}
          {link.remoteKind === 'microsoft' && (
            <>
              {row('Tenant', p.tenant ?? 'common')}
              {row('Client secret expires', p.secretExpiresAt, false)}
            </>
          )}
        </dl>
      )}
      <button type="button" className="btn" onClick={() => setEditing(true)} disabled={p === null}>
        Edit endpoints and settings
      </button>
      {editing && p !== null && <ProviderSettingsDialog link={link} provider={p} onClose={() => setEditing(false)} onLink={onLink} />}
    </section>
  );
}
