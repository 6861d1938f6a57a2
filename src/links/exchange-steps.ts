import { REMOTE_PRESETS, isAtlassianApplication, type ExchangeStepId, type ExchangeStepView, type ForgeLinkView, type IncomingActivity } from '../../contract';
import type { LinkRecord } from './link-record';

/**
 * The credential exchange as explicit steps (DESIGN section 3, seeds 000 and 001): who does what,
 * and which value moves where. Steps that happen in this app are done when their effect is in the
 * record. Of the steps in the remote application, the outgoing link is done when this site saw it
 * work (a token obtained with the current secret, issue 12 item 3), never on someone's word; the
 * incoming link, where this app cannot look, is marked by the admin.
 */

/** Only Atlassian applications call back with credentials this site issues; external providers do not. */
export function supportsIncoming(record: Pick<LinkRecord, 'remoteKind' | 'authKind'>): boolean {
  return record.authKind !== 'none' && isAtlassianApplication(record.remoteKind);
}

export function applicableSteps(record: LinkRecord): ExchangeStepId[] {
  if (record.authKind === 'none') return ['test-connection'];
  const steps: ExchangeStepId[] = ['remote-incoming-link', 'outgoing-credentials'];
  if (supportsIncoming(record)) steps.push('incoming-credentials', 'remote-outgoing-link', 'redirect-uri');
  // Client-credentials links (Bitbucket Cloud consumers, Data Center service accounts) connect at
  // once instead of signing in: the same step, which the page offers as Connect.
  steps.push('authorize');
  steps.push('test-connection');
  return steps;
}

type StepText = Pick<ExchangeStepView, 'title' | 'actor' | 'mode' | 'moves'>;

function describe(id: ExchangeStepId, record: LinkRecord): StepText {
  const remote = REMOTE_PRESETS[record.remoteKind].label;
  const here = 'this Jira site';
  switch (id) {
    case 'remote-incoming-link':
      return {
        title: `In ${remote}, create an incoming link (or OAuth client) for this site with the connector's redirect URI, and copy the client ID and secret it shows`,
        actor: 'remote-admin',
        mode: 'manual',
        moves: { value: `redirect URI ${record.outgoing.redirectUri ?? '(the connector callback)'}`, from: here, to: remote },
      };
    case 'outgoing-credentials':
      return {
        title: `Enter the client ID and secret from ${remote} here; the connector keeps the secret`,
        actor: 'site-admin',
        mode: 'automatic',
        moves: { value: 'client ID and client secret', from: remote, to: `${here} (held by the connector)` },
      };
    case 'incoming-credentials':
      return { title: `Issue this site's client ID and secret for ${remote}`, actor: 'site-admin', mode: 'automatic', moves: null };
    case 'remote-outgoing-link':
      return {
        title: `In ${remote}, configure the outgoing link with this site's client ID, secret and endpoints; done when ${remote} first obtains a token with them`,
        actor: 'remote-admin',
        mode: 'automatic',
        moves: { value: 'client ID, client secret and token endpoint URL', from: here, to: remote },
      };
    case 'redirect-uri':
      return {
        title: `Replace the placeholder redirect URI with the one ${remote}'s outgoing link shows`,
        actor: 'site-admin',
        mode: 'automatic',
        moves: { value: 'redirect URI', from: remote, to: here },
      };
    case 'authorize':
      if (record.authKind === 'oauth2-impersonation') {
        // Per-user links: nobody authorizes for everyone; done once a first user has connected.
        return { title: `Users connect their own ${remote} accounts from Connected accounts (profile menu › Personal settings)`, actor: 'site-admin', mode: 'automatic', moves: null };
      }
      if (record.outgoing.grantType === 'client_credentials') {
        return { title: `Connect: the connector obtains a token from ${remote} with the client ID and secret (client credentials, no sign-in)`, actor: 'site-admin', mode: 'automatic', moves: null };
      }
      return { title: `Authorize the link: sign in to ${remote} as the account the link acts as`, actor: 'site-admin', mode: 'automatic', moves: null };
    case 'test-connection':
      return { title: 'Test the connection', actor: 'site-admin', mode: 'automatic', moves: null };
  }
}

/** Whether a step this app can see is done, and since when. */
function automaticState(id: ExchangeStepId, record: LinkRecord, activity: IncomingActivity | null): { done: boolean; at: string | null } {
  switch (id) {
    case 'remote-outgoing-link': {
      // Tokens of an earlier secret's generation do not count: a re-issued secret is not yet in the remote.
      const token = activity?.lastToken ?? null;
      const done = token !== null && record.incoming !== null && token.generation === record.incoming.generation;
      return { done, at: done ? token.at : null };
    }
    case 'outgoing-credentials': {
      const fingerprint = record.outgoing.clientSecretFingerprint;
      return { done: record.outgoing.clientId !== null && fingerprint !== null, at: fingerprint?.setAt ?? null };
    }
    case 'incoming-credentials':
      return { done: record.incoming !== null, at: record.incoming?.issuedAt ?? null };
    case 'redirect-uri':
      return { done: record.incoming !== null && !record.incoming.redirectUriIsPlaceholder, at: null };
    case 'authorize':
      return { done: record.status === 'connected', at: null };
    case 'test-connection':
      return { done: record.lastTest?.ok === true, at: record.lastTest?.testedAt ?? null };
    default:
      return { done: false, at: null };
  }
}

export function exchangeView(record: LinkRecord, activity: IncomingActivity | null = null): ForgeLinkView['exchange'] {
  const steps: ExchangeStepView[] = applicableSteps(record).map((id) => {
    const text = describe(id, record);
    if (text.mode === 'manual') {
      const state = record.manualSteps[id as keyof LinkRecord['manualSteps']];
      return { id, ...text, status: state?.status ?? 'pending', updatedAt: state?.at ?? null, updatedBy: state?.by ?? null };
    }
    const state = automaticState(id, record, activity);
    return { id, ...text, status: state.done ? 'done' : 'pending', updatedAt: state.at, updatedBy: null };
  });
  const next = steps.find((step) => step.status === 'pending');
  return { steps, complete: next === undefined, next: next?.id ?? null };
}
