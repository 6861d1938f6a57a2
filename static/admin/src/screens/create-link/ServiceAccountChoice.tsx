import { REMOTE_PRESETS, SERVICE_ACCOUNTS, serviceAccountsOffered, type CreateLinkInput, type ProbeResult } from '../../../../../contract';
import type { LinkDraft } from './wizard-steps';

/** Whether the draft asks for a service account that this remote's version has. */
function usesServiceAccount(draft: LinkDraft, probe: ProbeResult | undefined): boolean {
  return draft.grantType === 'client_credentials' && draft.authKind === 'oauth2' && serviceAccountsOffered(draft.kind, probe?.version) === true;
}

/** The outgoing part of the create request for a service-account draft (nothing otherwise). */
export function serviceAccountOutgoing(draft: LinkDraft, probe: ProbeResult | undefined): Pick<CreateLinkInput, 'outgoing'> {
  return usesServiceAccount(draft, probe) ? { outgoing: { grantType: 'client_credentials' } } : {};
}

/**
 * For Data Center kinds, how a non-impersonating link gets its token: an account signs in once
 * (authorization code), or a service account connects with client credentials. Service accounts
 * are offered only when the probe found a version that has them.
 */
export function ServiceAccountChoice({ draft, probe, onDraft }: { draft: LinkDraft; probe: ProbeResult | undefined; onDraft: (changes: Partial<LinkDraft>) => void }) {
  const support = SERVICE_ACCOUNTS[draft.kind];
  if (support === undefined || draft.authKind !== 'oauth2') return null;
  const offered = serviceAccountsOffered(draft.kind, probe?.kind === draft.kind ? probe.version : null);
  const label = REMOTE_PRESETS[draft.kind].label;
  const why =
    offered === true
      ? `Version ${probe?.version ?? ''} has service accounts: no sign-in, a token every hour, and a credential that can be set to expire.`
      : offered === false
        ? `Needs version ${support.minimumVersion} or later; this one is ${probe?.version ?? 'older'}.`
        : `Needs version ${support.minimumVersion} or later; the version at this URL is not known.`;
  const selected = usesServiceAccount(draft, probe) ? 'client_credentials' : 'authorization_code';
  return (
    <fieldset data-testid="service-account-choice">
      <legend>How the link gets its token from {label}</legend>
      <div className="choice">
        <input type="radio" id="grant-code" name="grantType" checked={selected === 'authorization_code'} onChange={() => onDraft({ grantType: 'authorization_code' })} />
        <label htmlFor="grant-code">
          An account signs in once
          <div className="subtlest">An administrator authorizes the link as the account it acts as; the connector keeps refreshing the token.</div>
        </label>
      </div>
      <div className="choice">
        <input type="radio" id="grant-service-account" name="grantType" checked={selected === 'client_credentials'} disabled={offered !== true} onChange={() => onDraft({ grantType: 'client_credentials' })} />
        <label htmlFor="grant-service-account">
          Service account (client credentials)
          <div className="subtlest">{why}</div>
        </label>
      </div>
    </fieldset>
  );
}
