import type { DeleteLinkResult } from '../../../../../contract';
import { revocationItems } from './revocation-items';

export function RevocationItems({ result, remote }: { result: DeleteLinkResult; remote: string }) {
  const items = revocationItems(result, remote);
  const failed = items.some((item) => item.outcome === 'not-revoked');
  return (
    <div className={`banner ${failed ? 'warning' : 'success'}`} role="status" data-testid="revocation">
      <strong>{failed ? 'Tokens: some could not be revoked' : 'Tokens: revoked'}</strong>
      <ul>
        {items.map((item) => (
          <li key={item.key} data-item={item.key} data-outcome={item.outcome} {...(item.code ? { 'data-code': item.code } : {})}>
            {item.text}
          </li>
        ))}
      </ul>
    </div>
  );
}
