import { Banner } from '../../components/Banner';
import { isPrivateHost } from '../../link/private-address';

/** Google refuses redirect URIs on private or loopback addresses (seed 003): say so before the admin tries. */
export function GoogleRedirectWarning({ redirectUri }: { redirectUri: string | null }) {
  if (redirectUri === null || !isPrivateHost(redirectUri)) return null;
  return (
    <Banner tone="warning" title="Google will refuse this redirect URL">
      <code>{new URL(redirectUri).host}</code> is a private or loopback address, which Google does not accept as a redirect URI. Give the connector a public URL (for
      example your load balancer's) in CONNECTOR_PUBLIC_URL, then register that URL's /oauth/callback.
    </Banner>
  );
}
