import { useState } from 'react';
import type { OAuthServerMetadata } from '../../../../contract';
import { call } from '../api';
import { Banner } from '../components/Banner';
import { ErrorBanner } from '../components/ErrorBanner';
import { useAction } from '../hooks/useAction';

/**
 * Asks the connector to read what the provider at `url` publishes (RFC 8414 or OpenID discovery,
 * fetched by the connector under its outbound policy) and hands it to `onFound`.
 */
export function DiscoverMetadataButton({ url, onFound }: { url: string; onFound: (metadata: OAuthServerMetadata) => void }) {
  const [outcome, setOutcome] = useState<'found' | 'none' | undefined>(undefined);
  const discover = useAction(async () => {
    const probe = await call('probeRemote', { url, kind: 'custom' });
    const metadata = probe.oauth2.metadata;
    setOutcome(metadata === null ? 'none' : 'found');
    if (metadata !== null) onFound(metadata);
  });
  return (
    <div>
      <button type="button" className="btn" onClick={() => void discover.run()} disabled={discover.busy}>
        {discover.busy ? 'Reading…' : "Fill from the provider's metadata"}
      </button>
      <ErrorBanner error={discover.error} />
      {outcome === 'found' && <Banner tone="success" title="Filled from the provider's published metadata">Check the values before you save.</Banner>}
      {outcome === 'none' && (
        <Banner tone="info" title="The provider publishes no metadata">
          Nothing answered at {url}/.well-known/oauth-authorization-server or /.well-known/openid-configuration: enter the endpoints from the provider's documentation.
        </Banner>
      )}
    </div>
  );
}
