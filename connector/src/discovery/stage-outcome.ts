import type { DiagnosticCode, DiagnosticStatus } from '../../../contract';
import { CredentialError } from '../credentials/errors';
import { OAuthError } from '../oauth';
import { OutboundError } from '../outbound/safe-http';

/** What one stage of test connection found, and the error-to-outcome mapping every stage shares. */

export interface Outcome {
  status: DiagnosticStatus;
  code: DiagnosticCode;
  message: string;
  hint?: string;
  /** The tls stage: the certificate's expiry (ISO 8601). */
  certificateValidTo?: string;
}

export const pass = (message: string): Outcome => ({ status: 'pass', code: 'OK', message });
export const notApplicable = (message: string): Outcome => ({ status: 'skip', code: 'OK', message });
export const fail = (code: DiagnosticCode, message: string, hint?: string): Outcome => ({ status: 'fail', code, message, ...(hint === undefined ? {} : { hint }) });
export const warn = (code: DiagnosticCode, message: string): Outcome => ({ status: 'warn', code, message });


export function scopeFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const scope = /scope="([^"]*)"/.exec(value)?.[1];
  return scope === undefined ? ': the token lacks a scope this call needs' : `: the call needs the scope ${scope}`;
}

/** The outcome for an error thrown inside a stage. */
export function failureFor(error: unknown): Outcome {
  if (error instanceof OutboundError) {
    const code: DiagnosticCode = error.code === 'RESPONSE_TOO_LARGE' || error.code === 'HTTP_FAILED' ? 'API_ERROR' : error.code;
    return fail(code, error.message);
  }
  if (error instanceof OAuthError) {
    const code: DiagnosticCode =
      error.code === 'AUTHORIZATION_DENIED' || error.code === 'STATE_MISMATCH' || error.code === 'CALLBACK_INVALID' ? 'TOKEN_ENDPOINT_ERROR' : error.code;
    return fail(code, error.message);
  }
  if (error instanceof CredentialError) {
    switch (error.code) {
      case 'NOT_CONFIGURED':
      case 'SECRET_ORIGIN_MISMATCH':
        return fail('CREDENTIALS_MISSING', error.message);
      case 'NOT_AUTHORIZED':
        return fail('NEEDS_AUTHORIZATION', error.message);
      case 'NEEDS_REAUTHORIZATION':
        return fail('INVALID_GRANT', 'The remote refused the refresh token (invalid_grant).');
      default:
        return fail('TOKEN_ENDPOINT_ERROR', error.message);
    }
  }
  throw error;
}
