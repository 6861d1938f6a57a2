import { Banner } from '../components/Banner';
import { TextField } from '../components/TextField';

/** Entra shows a secret's ID (a GUID) beside its value; admins often paste the ID. */
export const looksLikeGuid = (value: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value.trim());

/**
 * With a Microsoft Entra client secret: its expiry date (the portal offers at most 24 months;
 * kept with the link so monitoring can warn before it runs out), and a warning when what was
 * pasted looks like the secret's ID rather than its value.
 */
export function EntraSecretFields({ clientSecret, expiresAt, onExpiresAt, error }: { clientSecret: string; expiresAt: string; onExpiresAt: (date: string) => void; error?: string | undefined }) {
  return (
    <>
      {looksLikeGuid(clientSecret) && (
        <Banner tone="warning" title="This looks like the secret's ID, not its value">
          Entra lists each client secret with a Secret ID (a GUID like this one) and its Value, which it shows only once, right after you create it. Paste the Value; if
          it is no longer shown, create a new client secret.
        </Banner>
      )}
      <div className="field">
        <label htmlFor="entra-secret-expiry">Secret expires on</label>
        <input id="entra-secret-expiry" type="date" value={expiresAt} onChange={(e) => onExpiresAt(e.target.value)} aria-describedby="entra-secret-expiry-help" />
        <span id="entra-secret-expiry-help">
          {error !== undefined && <span className="error">{error} </span>}
          <span className="help">The Expires column under Certificates &amp; secrets (at most 24 months after it was created). The link warns before it runs out.</span>
        </span>
      </div>
    </>
  );
}
