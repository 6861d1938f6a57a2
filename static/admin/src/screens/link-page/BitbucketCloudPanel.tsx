import type { ForgeLinkView } from '../../../../../contract';
import type { Navigate } from '../../navigation';

/** Bitbucket Cloud's own facts on the link page: the workspace, and the way to the OAuth 1.0 migration page. */
export function BitbucketCloudPanel({ link, navigate }: { link: ForgeLinkView; navigate: Navigate }) {
  return (
    <section aria-labelledby="bitbucket-cloud-title" data-testid="bitbucket-cloud">
      <h2 id="bitbucket-cloud-title">Bitbucket Cloud</h2>
      <p>
        Workspace: {link.outgoing.workspace ? <code>{link.outgoing.workspace}</code> : <span className="subtle">not set: edit the link to enter it</span>}
      </p>
      <p className="subtle">Jira Data Center still connected to this workspace with OAuth 1.0 (DVCS accounts)? The migration page lists the steps and verifies them.</p>
      <button type="button" className="btn" onClick={() => navigate({ screen: 'bitbucket-migration', id: link.id })}>
        OAuth 1.0 migration
      </button>
    </section>
  );
}
