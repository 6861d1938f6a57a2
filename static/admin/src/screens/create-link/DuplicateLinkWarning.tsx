import { REMOTE_PRESETS, type LinkSummary } from '../../../../../contract';
import { Banner } from '../../components/Banner';
import type { Navigate } from '../../navigation';

/** This site already links to the URL: say so and offer the existing link instead of a second one. */
export function DuplicateLinkWarning({ existing, navigate }: { existing: LinkSummary[]; navigate: Navigate }) {
  if (existing.length === 0) return null;
  return (
    <div data-testid="duplicate-link">
      <Banner tone="warning" title={`This site already has ${existing.length === 1 ? 'a link' : `${existing.length} links`} to this URL`}>
        <p>A second link to the same application gives it two sets of credentials to keep and revoke. Open the existing link to change it instead, or go on if you mean to.</p>
        <ul>
          {existing.map((link) => (
            <li key={link.id}>
              <button type="button" className="btn link" onClick={() => navigate({ screen: 'link', id: link.id })}>
                Open {link.name}
              </button>{' '}
              <span className="subtlest">({REMOTE_PRESETS[link.remoteKind].label})</span>
            </li>
          ))}
        </ul>
      </Banner>
    </div>
  );
}
