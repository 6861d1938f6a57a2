import { REMOTE_PRESETS, type AuthKind, type RemoteKind } from '../../../../../contract';
import { AUTH_LABELS } from '../../link/labels';

/**
 * The three ways a link can authenticate, each with what it means; impersonation only where the
 * remote can, and OAuth 2.0 not at all below the remote's minimum version (`versionBlocked` says why).
 */
export function AuthKindChoice({ kind, value, onChange, versionBlocked = null }: { kind: RemoteKind; value: AuthKind; onChange: (authKind: AuthKind) => void; versionBlocked?: string | null }) {
  const preset = REMOTE_PRESETS[kind];
  return (
    <fieldset>
      <legend>Authentication</legend>
      {(['oauth2', 'oauth2-impersonation', 'none'] as const).map((a) => {
        const blocked = a !== 'none' && versionBlocked !== null;
        const disabled = blocked || (a === 'oauth2-impersonation' && !preset.supportsImpersonation);
        return (
          <div className="choice" key={a}>
            <input type="radio" id={`auth-${a}`} name="authKind" value={a} checked={value === a} disabled={disabled} onChange={() => onChange(a)} />
            <label htmlFor={`auth-${a}`}>
              {AUTH_LABELS[a]}
              <div className="subtlest">
                {a === 'oauth2' && 'Requests act as the one account that authorizes the link.'}
                {a === 'oauth2-impersonation' && (disabled && !blocked ? `${preset.label} cannot impersonate users.` : 'Requests act as the user who is signed in.')}
                {blocked && <span className="version-blocked"> Not available: {versionBlocked}</span>}
                {a === 'none' && 'If you are an administrator of this site only: the link can reach public data; an administrator of the other application completes it later.'}
              </div>
            </label>
          </div>
        );
      })}
    </fieldset>
  );
}
