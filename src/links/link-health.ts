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

  /** Records the transitions this site's audit log has not seen yet. Returns how many. */
  async syncTransitions(): Promise<number> {
    const stored = CursorSchema.safeParse(await this.deps.store.get(KEYS.transitionCursor));
    const cursor = stored.success ? stored.data : { since: EPOCH, seen: [] };
    let transitions: HealthTransition[];
    try {
      transitions = await this.deps.connector.transitions(cursor.since === EPOCH ? EPOCH : new Date(Date.parse(cursor.since) - OVERLAP_MS).toISOString());
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      return 0;
    }
    const seen = new Set(cursor.seen);
    const fresh = transitions.filter((t) => !seen.has(t.id));
    if (fresh.length === 0) return 0;
    for (const t of fresh) {
      await this.deps.audit.recordAs({ actorAccountId: 'connector', action: `link.${t.type}`, linkId: t.linkId, linkName: t.linkName, changes: changesOf(t) }, { id: t.id, at: t.at });
    }
    const latest = transitions.reduce((max, t) => (t.at > max ? t.at : max), cursor.since);
    const keepFrom = new Date(Date.parse(latest) - OVERLAP_MS).toISOString();
    const keep = [...cursor.seen.filter((id) => !fresh.some((t) => t.id === id)), ...transitions.filter((t) => t.at >= keepFrom).map((t) => t.id)];
    await this.deps.store.set(KEYS.transitionCursor, { since: latest, seen: [...new Set(keep)].slice(-1000) });
    return fresh.length;
  }
}

function changesOf(t: HealthTransition): AuditChange[] {
  const from = t.type === 'recovered' ? 'failing' : 'connected';
  const to = t.type === 'recovered' ? 'connected' : t.type;
  const changes: AuditChange[] = [{ field: 'status', from, to }];
  if (t.code !== null) changes.push({ field: 'failure', from: null, to: `${t.stage ?? ''} ${t.code}`.trim() });
  return changes;
}
