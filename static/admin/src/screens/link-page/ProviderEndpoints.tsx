import type { IncomingView } from '../../../../../contract';
import { CopyValue } from '../../components/CopyValue';
import { ExchangeValue } from './ExchangeValue';

/**
 * Every endpoint of this site's OAuth 2.0 provider, in one place on the incoming step, so that the
 * remote's admin copies them all into the outgoing link (Data Center's custom-provider form asks
 * for the authorization and token endpoints; the metadata document lists the rest).
 */
export function ProviderEndpoints({ incoming, remote }: { incoming: IncomingView; remote: string }) {
  const endpoints: { label: string; value: string | null }[] = [
    { label: 'Authorization endpoint URL', value: incoming.authorizationEndpointUrl },
    { label: 'Token endpoint URL', value: incoming.tokenEndpointUrl },
    { label: 'Revocation endpoint URL', value: incoming.revocationEndpointUrl },
    { label: 'Metadata URL', value: incoming.metadataUrl },
    { label: 'Jira REST gateway URL', value: incoming.gatewayUrl },
  ];
  return (
    <>
      {endpoints.map(({ label, value }) =>
        value === null ? null : (
          <ExchangeValue key={label} label={label.replace(/ URL$/, '')} from="this site" to={`${remote}'s outgoing link`}>
            <CopyValue label={label} value={value} />
          </ExchangeValue>
        ),
      )}
    </>
  );
}
