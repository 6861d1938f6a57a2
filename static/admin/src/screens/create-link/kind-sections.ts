import type { RemoteKind } from '../../../../../contract';
import { CustomProviderSection } from './CustomProviderSection';
import { EntraTenantSection } from './EntraTenantSection';
import type { KindSectionProps } from './wizard-steps';

/**
 * The fields a kind needs before its link can be created, one component file each. Adding a kind's
 * fields is one file and one line here; what they set goes into `draft.outgoing` (or, for a custom
 * provider, `draft.provider`), which Create sends.
 */
export const KIND_SECTIONS: Partial<Record<RemoteKind, (props: KindSectionProps) => React.JSX.Element>> = {
  custom: CustomProviderSection,
  microsoft: EntraTenantSection,
};
