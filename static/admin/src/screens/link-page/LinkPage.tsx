import { useState } from 'react';
import { REMOTE_PRESETS, type DeleteLinkResult } from '../../../../../contract';
import { call } from '../../api';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useLoad } from '../../hooks/useLoad';
import type { Navigate } from '../../navigation';
import { LinkDeleted } from './LinkDeleted';
import { LinkDetails } from './LinkDetails';

/** A link's page: loads the link, shows it, and what is left to do once it is deleted. */
export function LinkPage({ id, navigate }: { id: string; navigate: Navigate }) {
  const loaded = useLoad(() => call('getLink', { id }), [id]);
  const [deleted, setDeleted] = useState<DeleteLinkResult | undefined>(undefined);
  if (deleted !== undefined) {
    const remote = loaded.data === undefined ? 'the remote application' : REMOTE_PRESETS[loaded.data.remoteKind].label;
    return <LinkDeleted result={deleted} remote={remote} navigate={navigate} />;
  }
  if (loaded.loading && loaded.data === undefined) return <p role="status">Loading the link…</p>;
  if (loaded.data === undefined) {
    return (
      <div>
        <ErrorBanner error={loaded.error} />
        <button type="button" className="btn" onClick={() => navigate({ screen: 'links' })}>
          Back to the links
        </button>
      </div>
    );
  }
  return <LinkDetails link={loaded.data} onLink={loaded.setData} navigate={navigate} onDeleted={setDeleted} />;
}
