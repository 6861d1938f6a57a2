import { secretFingerprint, type AuditAction, type CloudIncomingScope, type ForgeLinkView, type IncomingClientList, type IssuedIncomingCredentials } from '../../contract';
import { AppError } from '../errors';
import type { IncomingClients } from '../incoming/incoming-clients';
import type { AuditLog } from '../storage/audit-log';
import type { ClientRecord } from '../storage/incoming-client-records';
import type { LinkRepository } from '../storage/link-repository';
import { diffLinks } from './audit-diff';
import { supportsIncoming } from './exchange-steps';
import type { LinkRecord } from './link-record';
import { incomingView, type IncomingUrls } from './link-view';
import { redirectOf } from './record-changes';

/** Admin changes that lose a race re-read the link and try again, this often at most. */
const ATTEMPTS = 25;
const BACKOFF_CAP_MS = 40;

export interface IncomingCredentialDeps {
  links: LinkRepository;
  clients: IncomingClients;
  audit: AuditLog;
  now: () => Date;
  /** The link's view and the web trigger URLs, as the link service builds them. */
  view: (record: LinkRecord) => Promise<ForgeLinkView>;
  urls: () => Promise<IncomingUrls>;
}

/**
 * This site's incoming credentials for a link: issue, re-issue, change scopes, list, revoke.
 *
 * Concurrency: each change reads the link and its client, computes the next state, and writes
 * both in one conditional transaction (`LinkRepository.save` with the client's operation), which
 * fails if either changed since it was read; the change then starts again from a fresh read. So
 * any two admin calls run as if one came after the other: the secret shown last is the only one
 * that works, and a client never outlives its link or its generation. A new secret is shown only
 * after its transaction committed.
 */
export class IncomingCredentialService {
  constructor(private readonly deps: IncomingCredentialDeps) {}

  /**
   * Issues (or issues again) this site's client ID and secret for the remote. The secret is in
   * this answer only; issuing again keeps the client ID and retires the old secret and its tokens.
   */
  async issue(
    input: { id: string; scopes: CloudIncomingScope[]; redirectUri?: string | undefined; redirectUriIsPlaceholder?: boolean | undefined; secretExpiresAt?: string | undefined },
    actor: string,
  ): Promise<IssuedIncomingCredentials> {
    await this.deps.clients.ready();
    const scopes = dedupe(input.scopes);
    const secretExpiresAt = input.secretExpiresAt === undefined ? null : new Date(Date.parse(input.secretExpiresAt)).toISOString();
    return retrying(async () => {
      const before = await this.mustGet(input.id);
      if (!supportsIncoming(before)) throw new AppError('INCOMING_NOT_AVAILABLE');
      const previous = before.incoming;
      const current = previous === null ? undefined : await this.deps.links.client(previous.clientId);
      const clientId = previous?.clientId ?? this.deps.clients.newClientId();
      const generation = Math.max(previous?.generation ?? 0, current?.generation ?? 0) + 1;
      const now = this.deps.now();
      const { clientSecret, secretId } = await this.deps.clients.newSecret(clientId, generation, secretExpiresAt);
      // A new secret makes the one in the remote's outgoing link stale: its step is pending again
      // because the step counts only tokens of the new generation (exchange-steps.ts).
      const incoming = { clientId, scopes, ...redirectOf(input, previous), clientSecretFingerprint: secretFingerprint(clientSecret, now), issuedAt: now.toISOString(), generation, secretExpiresAt };
      const after = this.touched({ ...before, incoming }, before, actor);
      try {
        await this.deps.links.save(after, [this.deps.links.putClient({ clientId, linkId: before.id, generation, scopes, secretId, issuedAt: incoming.issuedAt }, current)]);
      } catch (error) {
        await this.deps.clients.discardSecret(clientId, secretId);
        throw error;
      }
      if (current !== undefined) await this.deps.clients.discardSecret(current.clientId, current.secretId);
      await this.audit('incoming.issued', actor, before, after);
      return { incoming: incomingView(incoming, await this.deps.urls()), clientSecret };
    });
  }

  /**
   * Changes the scopes or the redirect URI (replacing the placeholder) without a new secret. The
   * client's scopes change in the same transaction, and every token check reads them, so
   * narrowing takes effect on live tokens at once.
   */
  async update(input: { id: string; scopes?: CloudIncomingScope[] | undefined; redirectUri?: string | undefined; redirectUriIsPlaceholder?: boolean | undefined }, actor: string): Promise<ForgeLinkView> {
    await this.deps.clients.ready();
    return retrying(async () => {
      const before = await this.mustGet(input.id);
      const incoming = before.incoming;
      if (incoming === null) throw new AppError('INCOMING_NOT_ISSUED');
      const scopes = input.scopes === undefined ? incoming.scopes : dedupe(input.scopes);
      const after = this.touched({ ...before, incoming: { ...incoming, scopes, ...redirectOf(input, incoming) } }, before, actor);
      const current = await this.deps.links.client(incoming.clientId);
      const alongside = current === undefined ? [] : [this.deps.links.putClient({ ...current, scopes }, current)];
      await this.deps.links.save(after, alongside);
      await this.audit('incoming.updated', actor, before, after);
      return this.deps.view(after);
    });
  }

  /** Every active incoming client of a link (after the sweep, the one the link names, if any). */
  async list(id: string): Promise<IncomingClientList> {
    await this.deps.clients.ready();
    await this.mustGet(id);
    const clients = await this.deps.links.clientsOf(id);
    const items = await Promise.all(
      clients.map(async (c) => ({ clientId: c.clientId, scopes: c.scopes, issuedAt: c.issuedAt, generation: c.generation, lastUsedAt: await this.deps.clients.lastUsed(c.clientId) })),
    );
    return { items };
  }

  /**
   * Revokes one client of the link: it and its tokens stop working at once. When it is the client
   * the link names, the link no longer has incoming credentials (issue new ones to start again).
   */
  async revoke(input: { id: string; clientId: string }, actor: string): Promise<ForgeLinkView> {
    await this.deps.clients.ready();
    let revoked: ClientRecord | undefined;
    const view = await retrying(async () => {
      const before = await this.mustGet(input.id);
      revoked = (await this.deps.links.clientsOf(input.id)).find((c) => c.clientId === input.clientId);
      if (revoked === undefined) throw new AppError('NOT_FOUND', `The link ${input.id} has no active incoming client ${input.clientId}.`);
      const after = this.touched(before.incoming?.clientId === input.clientId ? { ...before, incoming: null } : before, before, actor);
      await this.deps.links.save(after, [this.deps.links.removeClient(revoked)]);
      await this.deps.audit.record({
        actorAccountId: actor,
        action: 'incoming.revoked',
        linkId: before.id,
        linkName: before.name,
        changes: [{ field: 'incoming.clientId', from: input.clientId, to: null }],
      });
      return this.deps.view(after);
    });
    if (revoked !== undefined) await this.deps.clients.forget(revoked);
    return view;
  }

  private async mustGet(id: string): Promise<LinkRecord> {
    const record = await this.deps.links.get(id);
    if (record === undefined) throw new AppError('NOT_FOUND', `No link with id ${id}.`);
    return record;
  }

  private touched(record: LinkRecord, before: LinkRecord, actor: string): LinkRecord {
    return { ...record, updatedAt: this.deps.now().toISOString(), updatedBy: actor, version: before.version + 1 };
  }

  private async audit(action: AuditAction, actor: string, before: LinkRecord, after: LinkRecord): Promise<void> {
    const changes = diffLinks(before, after);
    // A repeated save that changed nothing is not news; an issue always is (a new secret exists).
    if (changes.length === 0 && action !== 'incoming.issued') return;
    await this.deps.audit.record({ actorAccountId: actor, action, linkId: after.id, linkName: after.name, changes });
  }
}

/** Runs `attempt` again from a fresh read while it loses a race (CONFLICT), with jittered backoff. */
async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'CONFLICT') || n >= ATTEMPTS) throw error;
      await new Promise<void>((resolve) => setTimeout(resolve, Math.random() * Math.min(BACKOFF_CAP_MS, 2 * 2 ** n)));
    }
  }
}

function dedupe<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
