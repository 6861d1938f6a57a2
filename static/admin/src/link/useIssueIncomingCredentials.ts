import type { CloudIncomingScope, ForgeLinkView, IssuedIncomingCredentials } from '../../../../contract';
import { call } from '../api';
import { useAction } from '../hooks/useAction';

/**
 * Issues (or issues again) the client ID and secret this site gives the remote. The remote may not
 * show its redirect URI yet: an empty one is sent as the application URL flagged as a placeholder,
 * which the link's page asks to replace. `onIssued` runs inside the action, so its failure shows as
 * the action's error and the button stays busy until it is done.
 */
export function useIssueIncomingCredentials(link: Pick<ForgeLinkView, 'id' | 'applicationUrl'>, onIssued: (issued: IssuedIncomingCredentials) => void | Promise<void>) {
  return useAction(async (scopes: readonly string[], redirectUri: string, secretExpiresAt: string = '') => {
    const placeholder = redirectUri.trim() === '';
    const issued = await call('issueIncomingCredentials', {
      id: link.id,
      scopes: scopes as CloudIncomingScope[],
      redirectUri: placeholder ? link.applicationUrl : redirectUri.trim(),
      redirectUriIsPlaceholder: placeholder,
      // Optional: the token endpoint refuses the secret from that day on, and the link forecasts it.
      ...(secretExpiresAt.trim() === '' ? {} : { secretExpiresAt: secretExpiresAt.trim() }),
    });
    await onIssued(issued);
  });
}
