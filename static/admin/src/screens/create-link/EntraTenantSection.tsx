import { TextField } from '../../components/TextField';
import type { KindSectionProps } from './wizard-steps';

/** Microsoft Entra ID: the tenant goes into both endpoints; `common` serves only multi-tenant apps. */
export function EntraTenantSection({ draft, onDraft }: KindSectionProps) {
  return (
    <TextField
      label="Directory (tenant) ID or domain"
      value={draft.outgoing.tenant ?? ''}
      onChange={(tenant) => onDraft({ outgoing: { ...draft.outgoing, tenant: tenant.trim() === '' ? undefined : tenant.trim() } })}
      placeholder="common"
      help="From the app registration's Overview in the Entra admin center. Leave empty for common (multi-tenant apps only); single-tenant apps and national clouds need their own."
    />
  );
}
