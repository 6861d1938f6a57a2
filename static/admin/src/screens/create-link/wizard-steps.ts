import { REMOTE_PRESETS, isAtlassianApplication, type AuthKind, type ForgeLinkView, type OutgoingInput, type OutgoingPatch, type ProbeResult, type RemoteKind } from '../../../../../contract';
import { EMPTY_PROVIDER_DRAFT, type ProviderDraft } from '../../link/provider-draft';

/**
 * What the admin has chosen so far, before the link exists. `outgoing` holds what a kind's own
 * section asks before Create (a tenant, ...) and is sent as the link's `outgoing`; `provider` is a
 * custom provider's endpoints and settings as typed.
 */
export type LinkDraft = {
  applicationUrl: string;
  name: string;
  kind: RemoteKind;
  displayUrl: string;
  authKind: AuthKind;
  outgoing: Partial<OutgoingInput>;
  provider: ProviderDraft;
  /** Data Center service accounts and Bitbucket Cloud: the client-credentials grant. */
  grantType?: 'authorization_code' | 'client_credentials';
};

/** What a kind's own part of the outgoing step gets (outgoing-sections.ts): the link, the secret as typed, and more outgoing changes to send with it. */
export interface OutgoingSectionProps {
  link: ForgeLinkView;
  clientSecret: string;
  extra: Partial<OutgoingPatch>;
  onExtra: (changes: Partial<OutgoingPatch>) => void;
  error: unknown;
}

export const EMPTY_DRAFT: LinkDraft = { applicationUrl: '', name: '', kind: 'jira', displayUrl: '', authKind: 'oauth2', outgoing: {}, provider: EMPTY_PROVIDER_DRAFT };

/** What a kind's own section of step 2 gets (kind-sections.ts): the draft to fill and what the probe found. */
export interface KindSectionProps {
  draft: LinkDraft;
  onDraft: (changes: Partial<LinkDraft>) => void;
  probe: ProbeResult | undefined;
}

export type Step = 'url' | 'kind' | 'review' | 'incoming' | 'outgoing' | 'authorize' | 'test';
export const STEP_LABELS: Record<Step, string> = {
  url: 'Application URL',
  kind: 'Application type',
  review: 'Review',
  incoming: 'Incoming: this site issues',
  outgoing: 'Outgoing: the remote issues',
  authorize: 'Authorize',
  test: 'Test',
};

/**
 * The wizard's steps for what is chosen. Before the link exists they follow from the remote's
 * preset; once it exists, from the exchange steps the resolver gave it, which decide.
 */
export function stepsFor(authKind: AuthKind, kind: RemoteKind, link: ForgeLinkView | undefined): Step[] {
  if (authKind === 'none') return ['url', 'kind', 'review', 'test'];
  const ids = link?.exchange.steps.map((s) => s.id);
  // Before the link exists: Atlassian applications exchange credentials both ways (the same rule the resolver applies).
  const incoming = ids !== undefined ? ids.includes('incoming-credentials') : isAtlassianApplication(kind);
  const authorize = ids !== undefined ? ids.includes('authorize') : REMOTE_PRESETS[kind].defaultGrant === 'authorization_code';
  return ['url', 'kind', 'review', ...(incoming ? (['incoming'] as const) : []), 'outgoing', ...(authorize ? (['authorize'] as const) : []), 'test'];
}

export function nameFromUrl(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
