import { useState } from 'react';
import { call, openExternal } from '../api';
import { useAction } from '../hooks/useAction';

/**
 * Starts the remote's authorization for a link. Custom UI cannot navigate the top window, so the
 * remote's sign-in page opens in a new one (Forge asks the admin first); the URL is kept so the page
 * can offer a plain link when that window did not open. `null` means the link got its token at once
 * (client credentials) and there is nothing to sign in to.
 */
export function useAuthorizeLink(id: string, onConnected?: () => Promise<void>) {
  const [authorizationUrl, setAuthorizationUrl] = useState<string | null | undefined>(undefined);
  const authorize = useAction(async () => {
    const result = await call('authorizeLink', { id });
    setAuthorizationUrl(result.authorizationUrl);
    if (result.authorizationUrl !== null) await openExternal(result.authorizationUrl);
    else await onConnected?.();
  });
  return { authorize, authorizationUrl, forgetAuthorizationUrl: () => setAuthorizationUrl(undefined) };
}
