import type { RemoteKind } from '../../../../../contract';
import { EntraSecretSection } from './EntraSecretSection';
import { GoogleRedirectWarning } from './GoogleRedirectWarning';
import type { OutgoingSectionProps } from './wizard-steps';

/**
 * Kind-specific parts of the outgoing step, one component file each: under the redirect URL
 * (`redirect`), and with the client secret (`secret`). Adding one is a file and a line here.
 */
export const OUTGOING_SECTIONS: Partial<Record<RemoteKind, { redirect?: (props: { redirectUri: string | null }) => React.JSX.Element | null; secret?: (props: OutgoingSectionProps) => React.JSX.Element }>> = {
  google: { redirect: GoogleRedirectWarning },
  microsoft: { secret: EntraSecretSection },
};
