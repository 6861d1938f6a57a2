import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { LinkEvent, LinkEventType } from '../../../contract';
import type { TransitionRow } from '../storage/health-store';
import type { LinkRecord, Store } from '../storage/store';
import type { LinkEventSink } from './seams';

export interface TransitionDeps {
  store: Store;
  sink?: LinkEventSink | undefined;
  logger: Logger;
  now: () => number;
}

const EVENT_TYPES: Record<TransitionRow['type'], LinkEventType> = {
  failing: 'link.failing',
  recovered: 'link.recovered',
  'needs-reauthorization': 'link.needs_reauthorization',
};

/** The event announcing a transition: names, codes and dates, never a secret. */
export function eventOf(link: Pick<LinkRecord, 'id' | 'name' | 'remoteKind' | 'applicationUrl'>, t: TransitionRow): LinkEvent {
  return {
    type: EVENT_TYPES[t.type],
    timestamp: t.at,
    data: { linkId: link.id, linkName: link.name, remoteKind: link.remoteKind, applicationUrl: link.applicationUrl, stage: t.stage, code: t.code, hint: t.hint, since: t.since, expiry: null },
  };
}

/** The status reason a failing link shows: stage, code and what to do. */
export function failingReason(t: Pick<TransitionRow, 'stage' | 'code' | 'hint'>): string {
  return `Scheduled checks fail at the ${t.stage ?? 'unknown'} stage (${t.code ?? 'UNKNOWN'}). ${t.hint ?? ''}`.trim();
}

/**
 * After a check's transition is recorded (by the one completion that won its claim): the link's
 * status follows, but only from a status checks own (a link that needs authorization keeps
 * saying so), and the event goes to the sink. A sink must not throw; one that does is logged.
 */
export async function announceTransition(deps: TransitionDeps, link: LinkRecord, t: TransitionRow): Promise<void> {
  const at = new Date(deps.now()).toISOString();
  if (t.type === 'failing') await deps.store.links.setStatus(link.id, 'failing', failingReason(t), at, { from: ['connected'] });
  if (t.type === 'recovered') await deps.store.links.setStatus(link.id, 'connected', null, at, { from: ['failing'] });
  await publish(deps, eventOf(link, t));
}

async function publish(deps: TransitionDeps, event: LinkEvent): Promise<void> {
  if (deps.sink === undefined) return;
  try {
    await deps.sink.publish(event);
  } catch (error) {
    deps.logger.error({ err: error, linkId: event.data.linkId, type: event.type }, 'the event sink failed to take a link event');
  }
}

/**
 * The refresh path marked the link as needing re-authorization (its status write changed it, so
 * this runs once per transition whichever replica refreshed): record it and announce it.
 */
export async function recordNeedsReauthorization(deps: TransitionDeps, linkId: string, reason: string): Promise<void> {
  const link = await deps.store.links.get(linkId);
  if (link === undefined) return;
  const at = new Date(deps.now()).toISOString();
  const t: TransitionRow = { id: randomUUID(), linkId, linkName: link.name, type: 'needs-reauthorization', at, stage: 'token', code: 'INVALID_GRANT', hint: reason, since: at };
  await deps.store.health.recordTransition(t);
  await publish(deps, eventOf(link, t));
}
