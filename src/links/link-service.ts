import {
  FORGE_ERRORS,
  type AuthorizeLinkResult,
  MARKABLE_EXCHANGE_STEPS,
  secretFingerprint,
  type AuditAction,
  type CreateLinkInput,
  type CredentialSummary,
  type DeleteLinkResult,
  type ExchangeStepId,
  type ForgeLinkView,
  type LinkPage,
  type LinkRevocationReport,
  type LinkSummary,
  type ManualExchangeStep,
  type TestConnectionResult,
  type UpdateLinkInput,
} from '../../contract';
import { ConnectorError, type ConnectorClient } from '../connector-client/connector-client';
import { AppError } from '../errors';
import type { IncomingClients } from '../incoming/incoming-clients';
import { errorFields, type Logger } from '../logger';
import type { AuditLog } from '../storage/audit-log';
import { MAX_LINKS, type LinkRepository } from '../storage/link-repository';
import type { WebTriggerUrls } from '../webtriggers/web-trigger-urls';
import type { IncomingActivityLog } from '../incoming/incoming-activity';
import { diffLinks } from './audit-diff';
import { applicableSteps } from './exchange-steps';
import type { LinkRecord } from './link-record';
import { toLinkView, type IncomingUrls } from './link-view';
import { mirror, remoteCleanup } from './record-changes';

export interface LinkServiceDeps {
  links: LinkRepository;
  audit: AuditLog;
  connector: ConnectorClient;
  clients: IncomingClients;
  webTriggers: WebTriggerUrls;
  /** What the remote did with the incoming credentials (last token, last gateway call). */
  activity?: IncomingActivityLog;
  now: () => Date;
  logger: Logger;
}

/** The account ID of the Jira administrator who asked, for `createdBy`, `updatedBy` and the audit log. */
export type Actor = string;

/**
 * What the admin page does with links. The connector holds the outgoing half (and its secrets)
 * and is asked first; this site's kvs holds the cloud half, the exchange progress and the audit
 * log. A secret the admin types is passed to the connector and only its fingerprint is kept.
 */
export class LinkService {
  constructor(private readonly deps: LinkServiceDeps) {}

  /** A page of links from this site's index, with each credential's state asked of the connector in one call. */
  async list(options: { limit: number; cursor?: string | undefined }): Promise<LinkPage> {
    const page = await this.deps.links.page(options);
    try {
      const credentials = await this.deps.connector.credentialSummaries(page.items.map((item) => item.id));
      return { ...page, items: page.items.map((item) => withCredential(item, credentials.get(item.id))), connectorReachable: true };
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      this.deps.logger.warn('Could not read the credentials from the connector', { code: error.code });
      return { ...page, connectorReachable: false };
    }
  }

  /** The link, with status refreshed from the connector when it answers. */
  async get(id: string): Promise<ForgeLinkView> {
    let record = await this.mustGet(id);
    let reachable = true;
    let credential: CredentialSummary | null = null;
    try {
      const remote = await this.deps.connector.getLink(id);
      credential = remote.credential;
      const mirrored = mirror(record, remote);
      if (JSON.stringify(mirrored) !== JSON.stringify(record)) {
        record = { ...mirrored, version: record.version + 1 };
        await this.deps.links.save(record);
      }
    } catch (error) {
      // Keeping the connector's status here is best effort: a concurrent edit that saved first wins.
      if (error instanceof AppError && error.code === 'CONFLICT') return this.view(await this.mustGet(id), true, credential);
      if (!(error instanceof ConnectorError)) throw error;
      reachable = error.code !== 'CONNECTOR_UNREACHABLE';
      this.deps.logger.warn('Could not refresh the link from the connector', { linkId: id, code: error.code });
      if (error.code === 'CONNECTOR_LINK_MISSING') record = { ...record, statusReason: FORGE_ERRORS.CONNECTOR_LINK_MISSING.message };
    }
    return this.view(record, reachable, credential);
  }

  async create(input: CreateLinkInput, actor: Actor): Promise<ForgeLinkView> {
    if ((await this.deps.links.count()) >= MAX_LINKS) {
      throw new AppError('LIMIT_REACHED', `This site has ${MAX_LINKS} application links, the most it can keep. Delete links that are no longer used.`);
    }
    const remote = await this.deps.connector.createLink(input);
    const now = this.deps.now();
    const secret = input.outgoing?.clientSecret;
    const record: LinkRecord = mirror(
      {
        schemaVersion: 1,
        id: remote.id,
        name: remote.name,
        remoteKind: remote.remoteKind,
        applicationUrl: remote.applicationUrl,
        displayUrl: remote.displayUrl,
        authKind: remote.authKind,
        status: remote.status,
        statusReason: remote.statusReason,
        outgoing: {
          clientId: null,
          clientSecretFingerprint: secret === undefined ? null : secretFingerprint(secret, now),
          scopes: [],
          grantType: remote.outgoing.grantType,
          redirectUri: null,
        },
        incoming: null,
        manualSteps: {},
        lastTest: null,
        createdAt: now.toISOString(),
        createdBy: actor,
        updatedAt: now.toISOString(),
        updatedBy: actor,
        version: 1,
      },
      remote,
    );
    try {
      await this.deps.links.save(record);
    } catch (error) {
      // Without this site's half the connector's link would be an orphan nobody sees: undo it.
      await this.deps.connector.deleteLink(record.id).catch((undo: unknown) => this.deps.logger.error('Could not undo the connector link after a failed save', { linkId: record.id, ...errorFields(undo) }));
      throw error;
    }
    await this.audit('link.created', actor, null, record);
    return this.view(record, true, remote.credential);
  }

  async update(input: { id: string; expectedVersion?: number | undefined; changes: Omit<UpdateLinkInput, 'applicationUrl'> }, actor: Actor): Promise<ForgeLinkView> {
    const before = await this.mustGet(input.id);
    this.checkVersion(before, input.expectedVersion);
    const remote = await this.deps.connector.updateLink(input.id, input.changes);
    const now = this.deps.now();
    let after = mirror(before, remote);
    const secret = input.changes.outgoing?.clientSecret;
    if (secret !== undefined) {
      after = { ...after, outgoing: { ...after.outgoing, clientSecretFingerprint: secret === null ? null : secretFingerprint(secret, now) } };
    }
    after = this.touched(after, before, actor);
    await this.deps.links.save(after);
    await this.audit('link.updated', actor, before, after);
    return this.view(after, true, remote.credential);
  }

  /**
   * Deletes both ends that this app can reach: the connector's first (it holds the secrets and
   * tokens), then this site's half and its incoming credentials. The remote application's half
   * cannot be deleted from here; the answer says what its admin must check.
   */
  async delete(input: { id: string; force: boolean }, actor: Actor): Promise<DeleteLinkResult> {
    const record = await this.mustGet(input.id);
    let connector: DeleteLinkResult['connector'];
    let connectorTokens: LinkRevocationReport | null = null;
    try {
      ({ outcome: connector, revocation: connectorTokens } = await this.deps.connector.deleteLink(record.id));
    } catch (error) {
      if (!input.force || !(error instanceof ConnectorError)) {
        if (error instanceof ConnectorError) {
          throw new ConnectorError(error.code, `Nothing was deleted: ${error.message} To remove this site's half anyway, delete again with force.`, error.httpStatus, error.issues, { cause: error });
        }
        throw error;
      }
      this.deps.logger.warn('Deleting a link whose connector half could not be deleted', { linkId: record.id, code: error.code });
      connector = 'not-deleted';
    }
    // The link and every client it has go in one transaction (their tokens with them); the
    // secret hashes nothing names any more are tidied after.
    await this.deps.clients.ready();
    const retired = await this.deps.links.remove(record);
    for (const client of retired) await this.deps.clients.forget(client);
    await this.audit('link.deleted', actor, record, null);
    const revocation = { connectorTokens, incomingClients: retired.map((client) => client.clientId) };
    return { deleted: true, connector, remote: { removed: false, whatToCheck: remoteCleanup(record, connector) }, revocation };
  }

  /**
   * The remote moved. A client secret entered with the move (required by the connector when the
   * token endpoint changes origin) is forwarded and only its fingerprint kept, as in update.
   */
  async relocate(input: { id: string; applicationUrl: string; displayUrl?: string | null | undefined; clientSecret?: string | undefined }, actor: Actor): Promise<ForgeLinkView> {
    const before = await this.mustGet(input.id);
    const remote = await this.deps.connector.relocateLink(input.id, {
      applicationUrl: input.applicationUrl,
      ...(input.displayUrl === undefined ? {} : { displayUrl: input.displayUrl }),
      ...(input.clientSecret === undefined ? {} : { clientSecret: input.clientSecret }),
    });
    // The last test described the old address; a placeholder redirect URI (the remote's URL,
    // until its admin reads the real one) moves with it.
    const mirrored = mirror(before, remote);
    const moved = input.clientSecret === undefined ? mirrored : { ...mirrored, outgoing: { ...mirrored.outgoing, clientSecretFingerprint: secretFingerprint(input.clientSecret, this.deps.now()) } };
    const incoming =
      moved.incoming !== null && moved.incoming.redirectUriIsPlaceholder && moved.incoming.redirectUri === before.applicationUrl
        ? { ...moved.incoming, redirectUri: moved.applicationUrl }
        : moved.incoming;
    const after = this.touched({ ...moved, incoming, lastTest: null }, before, actor);
    await this.deps.links.save(after);
    await this.audit('link.relocated', actor, before, after);
    return this.view(after, true, remote.credential);
  }

  async test(id: string, actor: Actor): Promise<{ result: TestConnectionResult; link: ForgeLinkView }> {
    const before = await this.mustGet(id);
    const result = await this.deps.connector.testConnection(id);
    let after: LinkRecord = { ...before, lastTest: result };
    let credential: CredentialSummary | null = null;
    // The test may have changed the connector's status for the link; a failure here only means a stale status.
    try {
      const remote = await this.deps.connector.getLink(id);
      after = mirror(after, remote);
      credential = remote.credential;
    } catch (error) {
      this.deps.logger.warn('Could not refresh the link after the test', { linkId: id, ...errorFields(error) });
    }
    after = this.touched(after, before, actor);
    await this.deps.links.save(after);
    return { result, link: await this.view(after, true, credential) };
  }

  /** Asks the connector where to send the admin to authorize the outgoing link; nothing is stored here. */
  async authorize(id: string, actor: Actor): Promise<AuthorizeLinkResult> {
    await this.mustGet(id);
    const result = await this.deps.connector.authorize(id);
    this.deps.logger.info('Authorization started', { linkId: id, actor, redirect: result.authorizationUrl !== null });
    return result;
  }

  async setExchangeStep(input: { id: string; step: ExchangeStepId; status: 'pending' | 'done' }, actor: Actor): Promise<ForgeLinkView> {
    if (!(MARKABLE_EXCHANGE_STEPS as readonly string[]).includes(input.step)) throw new AppError('STEP_NOT_MANUAL');
    const before = await this.mustGet(input.id);
    if (!applicableSteps(before).includes(input.step)) {
      throw new AppError('VALIDATION_FAILED', `The step ${input.step} is not part of this link's exchange.`, [{ path: 'step', message: 'does not apply to this link' }]);
    }
    const step = input.step as ManualExchangeStep;
    const now = this.deps.now().toISOString();
    const after = this.touched({ ...before, manualSteps: { ...before.manualSteps, [step]: { status: input.status, at: now, by: actor } } }, before, actor);
    await this.deps.links.save(after);
    await this.audit('link.exchange-step', actor, before, after);
    return this.viewOf(after);
  }

  private async mustGet(id: string): Promise<LinkRecord> {
    const record = await this.deps.links.get(id);
    if (record === undefined) throw new AppError('NOT_FOUND', `No link with id ${id}.`);
    return record;
  }

  private checkVersion(record: LinkRecord, expected: number | undefined): void {
    if (expected !== undefined && expected !== record.version) {
      throw new AppError('CONFLICT', `The link is at version ${record.version}, not ${expected}: someone changed it. Reload it and try again.`);
    }
  }

  private touched(record: LinkRecord, before: LinkRecord, actor: Actor): LinkRecord {
    return { ...record, updatedAt: this.deps.now().toISOString(), updatedBy: actor, version: before.version + 1 };
  }

  private async audit(action: AuditAction, actor: Actor, before: LinkRecord | null, after: LinkRecord | null): Promise<void> {
    const record = after ?? before;
    const changes = diffLinks(before, after);
    // An edit that changed nothing an admin set (a repeated save, a step marked done twice) is not news.
    if (changes.length === 0 && before !== null && after !== null && action !== 'incoming.issued') return;
    await this.deps.audit.record({ actorAccountId: actor, action, linkId: record?.id ?? null, linkName: record?.name ?? null, changes });
  }

  /** A link's view without the connector's credential (after a change made on this site only). */
  viewOf(record: LinkRecord): Promise<ForgeLinkView> {
    return this.view(record, true, null);
  }

  private async view(record: LinkRecord, connectorReachable: boolean, credential: CredentialSummary | null): Promise<ForgeLinkView> {
    const activity = record.incoming === null || this.deps.activity === undefined ? null : await this.deps.activity.of(record.id);
    return toLinkView(record, { urls: record.incoming === null ? NO_URLS : await this.urls(), connectorReachable, credential, activity });
  }

  /** The web trigger URLs; a view without them is better than no view. */
  async urls(): Promise<IncomingUrls> {
    try {
      const t = this.deps.webTriggers;
      const [tokenEndpointUrl, pingUrl, authorizationEndpointUrl, revocationEndpointUrl, metadataUrl, gatewayUrl] = await Promise.all([
        t.tokenEndpoint(),
        t.ping(),
        t.authorize(),
        t.revoke(),
        t.metadata(),
        t.gateway(),
      ]);
      return { tokenEndpointUrl, pingUrl, authorizationEndpointUrl, revocationEndpointUrl, metadataUrl, gatewayUrl };
    } catch (error) {
      this.deps.logger.warn('Could not read the web trigger URLs', errorFields(error));
      return NO_URLS;
    }
  }
}

/** A summary with the connector's credential, when it holds the link. */
function withCredential(item: LinkSummary, summary: { credential: CredentialSummary; health?: LinkSummary['health'] } | undefined): LinkSummary {
  if (summary === undefined) return item;
  return { ...item, credential: summary.credential, ...(summary.health === undefined ? {} : { health: summary.health }) };
}

const NO_URLS: IncomingUrls = { tokenEndpointUrl: null, pingUrl: null, authorizationEndpointUrl: null, revocationEndpointUrl: null, metadataUrl: null, gatewayUrl: null };

