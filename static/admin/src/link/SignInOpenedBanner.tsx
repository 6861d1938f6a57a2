import { Banner } from '../components/Banner';

/** Says the remote's sign-in page opened elsewhere, offers it as a link in case it did not, and what to do after. */
export function SignInOpenedBanner({ remote, authorizationUrl, afterwards }: { remote: string; authorizationUrl: string; afterwards: string }) {
  return (
    <Banner tone="info" title={`${remote}'s sign-in page opened in a new window`}>
      If it did not open,{' '}
      <a href={authorizationUrl} target="_blank" rel="noreferrer" data-testid="authorization-url">
        open the authorization page
      </a>
      {afterwards}
    </Banner>
  );
}
