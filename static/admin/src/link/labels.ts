import type { AuthKind } from '../../../../contract';

/** How each authentication kind is named wherever the page shows it. */
export const AUTH_LABELS: Record<AuthKind, string> = {
  oauth2: 'OAuth 2.0',
  'oauth2-impersonation': 'OAuth 2.0 with impersonation',
  none: 'None (outgoing only)',
};
