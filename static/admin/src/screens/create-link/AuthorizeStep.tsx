import { REMOTE_PRESETS, type ForgeLinkView } from '../../../../../contract';
import { Banner } from '../../components/Banner';
import { ErrorBanner } from '../../components/ErrorBanner';
import { SignInOpenedBanner } from '../../link/SignInOpenedBanner';
import { useAuthorizeLink } from '../../link/useAuthorizeLink';

/** Authorize: the admin signs in to the remote as the account the link acts as; the connector keeps the token. */
export function AuthorizeStep({ link, onNext }: { link: ForgeLinkView; onNext: () => void }) {
  const remote = REMOTE_PRESETS[link.remoteKind].label;
  const { authorize, authorizationUrl } = useAuthorizeLink(link.id);
  if (link.authKind === 'oauth2-impersonation') {
    // Nobody authorizes a per-user link for everyone: each user connects their own account.
    return (
      <div>
        <h2>Users connect their own accounts</h2>
        <p>
          This link acts as each Jira user. Each user connects their own {remote} account from <strong>Connected accounts</strong> (profile menu › Personal settings);
          the link page lists who has connected. The test runs with your own account once you have connected it there.
        </p>
        <div className="actions">
          <button type="button" className="btn primary" onClick={onNext}>
            Next: test
          </button>
        </div>
      </div>
    );
  }
  return (
    <div>
      <h2>Authorize the link</h2>
      <p>
        Sign in to {remote} as the account the link should act as, and allow access. {remote} then sends you back to the connector, which keeps the token.
      </p>
      <ErrorBanner error={authorize.error} />
      {authorizationUrl !== undefined && authorizationUrl !== null && (
        <SignInOpenedBanner remote={remote} authorizationUrl={authorizationUrl} afterwards=". When it says the link is authorized, come back here and test the connection." />
      )}
      {authorizationUrl === null && <Banner tone="success" title="Connected">The link obtained its token without a sign-in (client credentials).</Banner>}
      <div className="actions">
        <button type="button" className="btn primary" onClick={() => void authorize.run()} disabled={authorize.busy}>
          {authorize.busy ? 'Starting…' : `Authorize with ${remote}`}
        </button>
        <button type="button" className="btn" onClick={onNext}>
          Next: test
        </button>
      </div>
    </div>
  );
}
