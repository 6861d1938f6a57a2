import type { DeleteLinkResult } from '../../../../../contract';
import { Banner } from '../../components/Banner';
import type { Navigate } from '../../navigation';
import { RevocationItems } from './RevocationItems';

/** After a delete: what was removed, and what the remote's administrator must still check there. */
export function LinkDeleted({ result, remote, navigate }: { result: DeleteLinkResult; remote: string; navigate: Navigate }) {
  return (
    <div>
      <h1>Link deleted</h1>
      <Banner tone={result.connector === 'not-deleted' ? 'warning' : 'success'} title={result.connector === 'not-deleted' ? 'Deleted here; the connector could not be reached' : 'Deleted here and on the connector'}>
        {result.connector === 'not-deleted' && <p>The connector may still hold the link and its secret: delete it there with the operator API or CLI.</p>}
      </Banner>
      <RevocationItems result={result} remote={remote} />
      <Banner tone="info" title="The remote application's half could not be removed from here">
        Ask its administrator to check:
        <ul>
          {result.remote.whatToCheck.map((item, i) => (
            <li key={i}>{item}</li>
          ))}
        </ul>
      </Banner>
      <button type="button" className="btn primary" onClick={() => navigate({ screen: 'links' })}>
        Back to the links
      </button>
    </div>
  );
}
