import { z } from 'zod';
import type { AuditChange, HealthTransition, LinkHealth } from '../../contract';
import { ConnectorError, type ConnectorClient } from '../connector-client/connector-client';
import type { Logger } from '../logger';
import type { AuditLog } from '../storage/audit-log';
import type { KeyValueStore } from '../storage/key-value-store';
import { KEYS } from '../storage/keys';

/** Transitions are asked for from this long before the last one recorded: replicas' clocks differ, and a late commit lands in the past. */
const OVERLAP_MS = 10 * 60_000;
const CursorSchema = z.object({ since: z.string(), seen: z.array(z.string()) });
const EPOCH = new Date(0).toISOString();
/** The connector's page of transitions (`limit=200`), pages per call, and ids remembered. */
const TRANSITIONS_PAGE = 200;
const PAGES = 5;
const SEEN_KEPT = 1000;

export interface LinkHealthDeps {
  store: KeyValueStore;
  connector: ConnectorClient;
  audit: AuditLog;
  logger: Logger;
}

/**
 * The scheduled checks' side of the admin page (the list's badges come with the credential
 * summaries, in the list's one connector call): a link's health, and the connector's status
 * transitions in this site's audit log. Transitions are pulled when a link is opened or the audit
 * log is read, from a cursor in kvs; each is written under keys made of
 * its own id and time, so a transition recorded twice (two admins at once) is one entry. kvs is
 * written only when there is a transition the cursor has not seen.
 */
export class LinkHealthService {
  constructor(private readonly deps: LinkHealthDeps) {}

  health(id: string): Promise<LinkHealth> {
    return this.deps.connector.health(id);
  }

  /**
   * Records the transitions this site's audit log has not seen yet, at most `PAGES` pages of the
   * connector's answer per call (a mass outage can make thousands; later calls take the rest).
   * Returns how many it recorded.
   */
  async syncTransitions(): Promise<number> {
    const stored = CursorSchema.safeParse(await this.deps.store.get(KEYS.transitionCursor));
    const cursor = stored.success ? stored.data : { since: EPOCH, seen: [] };
    const seen = new Set(cursor.seen);
    let from = cursor.since === EPOCH ? EPOCH : new Date(Date.parse(cursor.since) - OVERLAP_MS).toISOString();
    let latest = cursor.since;
    let recorded = 0;
    for (let page = 0; page < PAGES; page += 1) {
      let batch: HealthTransition[];
      try {
        batch = await this.deps.connector.transitions(from);
      } catch (error) {
        if (!(error instanceof ConnectorError)) throw error;
        break;
      }
      for (const t of batch) {
        if (seen.has(t.id)) continue;
        // Idempotent whatever the cursor says: the entry's keys come from the transition alone.
        await this.deps.audit.recordAs({ actorAccountId: 'connector', action: `link.${t.type}`, linkId: t.linkId, linkName: t.linkName, changes: changesOf(t) }, { id: t.id, at: t.at });
        seen.add(t.id);
        recorded += 1;
      }
      const last = batch[batch.length - 1];
      if (last !== undefined && last.at > latest) latest = last.at;
      // A short page is the end; a full one continues from its last time (ties are in `seen`).
      if (batch.length < TRANSITIONS_PAGE || last === undefined || last.at === from) break;
      from = last.at;
    }
    if (recorded === 0) return 0;
    // The newest ids: the ones a later, overlapping request can return again.
    await this.deps.store.set(KEYS.transitionCursor, { since: latest, seen: [...seen].slice(-SEEN_KEPT) });
    return recorded;
  }
}

function changesOf(t: HealthTransition): AuditChange[] {
  const from = t.type === 'recovered' ? 'failing' : 'connected';
  const to = t.type === 'recovered' ? 'connected' : t.type;
  const changes: AuditChange[] = [{ field: 'status', from, to }];
  if (t.code !== null) changes.push({ field: 'failure', from: null, to: `${t.stage ?? ''} ${t.code}`.trim() });
  return changes;
}
