import { useId } from 'react';
import { TextField } from '../components/TextField';
import { fieldError } from '../field-error';
import type { ProviderDraft } from './provider-draft';

/**
 * A custom OAuth 2.0 provider's settings (seed 003): its endpoints, how the client secret is sent,
 * PKCE, and extra authorization parameters. `errorPrefix` is where the resolver reports these
 * fields (`outgoing.` on create, `changes.outgoing.` on edit).
 */
export function ProviderSettingsFields({ value, onChange, error, errorPrefix }: { value: ProviderDraft; onChange: (next: ProviderDraft) => void; error: unknown; errorPrefix: string }) {
  const id = useId();
  const set = <K extends keyof ProviderDraft>(key: K) => (next: ProviderDraft[K]) => onChange({ ...value, [key]: next });
  const err = (field: string) => fieldError(error, `${errorPrefix}${field}`);
  const setParam = (i: number, change: Partial<{ name: string; value: string }>) => set('params')(value.params.map((p, j) => (j === i ? { ...p, ...change } : p)));
  return (
    <fieldset data-testid="provider-settings">
      <legend>The provider's OAuth 2.0 endpoints and settings</legend>
      <TextField label="Authorization endpoint" type="url" value={value.authorizationEndpoint} onChange={set('authorizationEndpoint')} required error={err('authorizationEndpoint')} help="The HTTPS URL where authorization starts." />
      <TextField label="Token endpoint" type="url" value={value.tokenEndpoint} onChange={set('tokenEndpoint')} required error={err('tokenEndpoint')} help="Where the connector redeems codes and refreshes tokens." />
      <TextField label="Revocation endpoint (optional)" type="url" value={value.revocationEndpoint} onChange={set('revocationEndpoint')} error={err('revocationEndpoint')} />
      <TextField
        label="API probe URL (optional)"
        type="url"
        value={value.apiProbeUrl}
        onChange={set('apiProbeUrl')}
        error={err('apiProbeUrl')}
        help="A cheap URL that needs the token (for example the userinfo endpoint): test connection calls it."
      />
      <div className="field">
        <label htmlFor={`${id}-auth`}>Client authentication</label>
        <select id={`${id}-auth`} value={value.clientAuth} onChange={(e) => set('clientAuth')(e.target.value as ProviderDraft['clientAuth'])}>
          <option value="body">Client secret in the request body (client_secret_post)</option>
          <option value="basic">HTTP Basic (client_secret_basic)</option>
        </select>
      </div>
      <div className="choice">
        <input type="checkbox" id={`${id}-pkce`} checked={value.pkce} onChange={(e) => set('pkce')(e.target.checked)} />
        <label htmlFor={`${id}-pkce`}>
          Use PKCE (S256)
          <div className="subtlest">Leave on unless the provider refuses a code challenge it does not know.</div>
        </label>
      </div>
      <fieldset>
        <legend>Extra authorization parameters</legend>
        <p className="subtlest">Some providers need more on the sign-in request, for example audience or prompt.</p>
        {value.params.map((p, i) => (
          <div className="param-row" key={i}>
            <TextField label={`Parameter ${i + 1} name`} value={p.name} onChange={(name) => setParam(i, { name })} error={err(`authorizeParams.${p.name}`)} />
            <TextField label={`Parameter ${i + 1} value`} value={p.value} onChange={(v) => setParam(i, { value: v })} />
            <button type="button" className="btn subtle" onClick={() => set('params')(value.params.filter((_, j) => j !== i))}>
              Remove parameter {i + 1}
            </button>
          </div>
        ))}
        <button type="button" className="btn" onClick={() => set('params')([...value.params, { name: '', value: '' }])}>
          Add a parameter
        </button>
      </fieldset>
    </fieldset>
  );
}
