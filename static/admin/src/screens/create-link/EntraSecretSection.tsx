import { fieldError } from '../../field-error';
import { EntraSecretFields } from '../../link/EntraSecretFields';
import type { OutgoingSectionProps } from './wizard-steps';

/** Microsoft Entra ID: the secret's expiry date, asked with the secret, and the secret-ID warning. */
export function EntraSecretSection({ clientSecret, extra, onExtra, error }: OutgoingSectionProps) {
  return (
    <EntraSecretFields
      clientSecret={clientSecret}
      expiresAt={extra.secretExpiresAt ?? ''}
      onExpiresAt={(date) => onExtra({ secretExpiresAt: date === '' ? undefined : date })}
      error={fieldError(error, 'changes.outgoing.secretExpiresAt')}
    />
  );
}
