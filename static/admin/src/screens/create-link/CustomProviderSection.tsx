import { useEffect } from 'react';
import { Banner } from '../../components/Banner';
import { DiscoverMetadataButton } from '../../link/DiscoverMetadataButton';
import { draftFromMetadata, replaceFromMetadata } from '../../link/provider-draft';
import { ProviderSettingsFields } from '../../link/ProviderSettingsFields';
import type { KindSectionProps } from './wizard-steps';

/**
 * A custom OAuth 2.0 provider needs its endpoints before the link can exist (seed 003: "for custom
 * providers, you need to first provide the Authorization endpoint and Token endpoint"): asked here,
 * filled from the provider's metadata when the probe of step 1 found some.
 */
export function CustomProviderSection({ draft, onDraft, probe }: KindSectionProps) {
  const metadata = probe?.oauth2.metadata ?? null;
  useEffect(() => {
    if (metadata !== null && draft.provider.authorizationEndpoint === '' && draft.provider.tokenEndpoint === '') onDraft({ provider: draftFromMetadata(draft.provider, metadata) });
    // Only once, when the section appears with a probe: later the admin's edits win.
  }, []);
  return (
    <section aria-label="Custom provider">
      {metadata !== null && (
        <Banner tone="info" title={`Filled from ${metadata.source === 'openid-configuration' ? 'OpenID discovery' : 'the OAuth 2.0 server metadata (RFC 8414)'}`}>
          The provider publishes its endpoints{metadata.issuer === null ? '' : ` (issuer ${metadata.issuer})`}: check them.
          {metadata.scopesSupported.length > 0 && <p className="subtlest">Scopes it offers (you choose them with the client ID): {metadata.scopesSupported.join(' ')}</p>}
        </Banner>
      )}
      <DiscoverMetadataButton url={draft.applicationUrl} onFound={(found) => onDraft({ provider: replaceFromMetadata(draft.provider, found) })} />
      <ProviderSettingsFields value={draft.provider} onChange={(provider) => onDraft({ provider })} error={undefined} errorPrefix="outgoing." />
    </section>
  );
}
