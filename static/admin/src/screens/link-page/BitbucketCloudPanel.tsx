import { useState } from 'react';
import type { ForgeLinkView } from '../../../../../contract';
import { call } from '../../api';
import { ErrorBanner } from '../../components/ErrorBanner';
import { TextField } from '../../components/TextField';
import { fieldError } from '../../field-error';
import { useAction } from '../../hooks/useAction';
import type { Navigate } from '../../navigation';

/**
 * Bitbucket Cloud's own facts on the link page: the workspace (editable here: test connection checks
 * the consumer's access to it), and the way to the OAuth 1.0 migration page.
 */
export function BitbucketCloudPanel({ link, onLink, navigate }: { link: ForgeLinkView; onLink: (l: ForgeLinkView) => void; navigate: Navigate }) {
  const [workspace, setWorkspace] = useState(link.outgoing.workspace ?? '');
  const save = useAction(async () =>
    onLink(await call('updateLink', { id: link.id, expectedVersion: link.version, changes: { outgoing: { workspace: workspace.trim() === '' ? null : workspace.trim() } } })),
  );
  const changed = workspace.trim() !== (link.outgoing.workspace ?? '');
  return (
    <section aria-labelledby="bitbucket-cloud-title" data-testid="bitbucket-cloud">
      <h2 id="bitbucket-cloud-title">Bitbucket Cloud</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <TextField
          label="Workspace ID"
          value={workspace}
          onChange={setWorkspace}
          error={fieldError(save.error, 'changes.outgoing.workspace')}
          help="The part after bitbucket.org/ in the workspace's address; the test checks the consumer's access to it."
        />
        <ErrorBanner error={save.error} />
        <div className="actions">
          <button type="submit" className="btn" disabled={save.busy || !changed}>
            {save.busy ? 'Saving…' : 'Save workspace'}
          </button>
          <button type="button" className="btn" onClick={() => navigate({ screen: 'bitbucket-migration', id: link.id })}>
            OAuth 1.0 migration
          </button>
        </div>
      </form>
      <p className="subtle">Jira Data Center still connected to this workspace with OAuth 1.0 (DVCS accounts)? The migration page lists the steps and verifies them.</p>
    </section>
  );
}
