import { REMOTE_PRESETS, isAtlassianApplication, type AuthKind, type ForgeLinkView, type RemoteKind } from '../../../../../contract';

/** What the admin has chosen so far, before the link exists. */
export type LinkDraft = { applicationUrl: string; name: string; kind: RemoteKind; displayUrl: string; authKind: AuthKind; grantType?: 'authorization_code' | 'client_credentials' };

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
