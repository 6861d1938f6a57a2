import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  LINK_EVENT_TYPES,
  WEBHOOK_SECRET_PREFIX,
  type CreateWebhookInput,
  type CreatedWebhook,
  type WebhookDeliveryView,
  type WebhookView,
} from '../../../contract';
import type { SafeHttp } from '../outbound/safe-http';
import { WEBHOOK_SECRET_FIELD, WEBHOOK_URL_FIELD, webhookOwnerId, type WebhookDeliveryRecord, type WebhookEndpointRecord } from '../storage/alerts-store';
import type { Store } from '../storage/store';
import type { Vault } from '../vault/vault';
import { WebhookError } from './errors';
import { displayUrl } from './webhook-url';

/**
 * The operator's alert webhooks: register an endpoint (its signing secret is made here, sealed by
 * the vault and shown once), list and remove them, read an endpoint's delivery log. The URL is
 * checked against the outbound policy when it is registered and again on every delivery. The
 * full URL may hold the receiver's token, so it is sealed like the signing secret and only the
 * dispatcher opens it; the row, the API and the CLI hold its display form (`displayUrl`).
 */
export class WebhookService {
  constructor(private readonly deps: { store: Store; vault: Vault; http: SafeHttp; now: () => Date }) {}

  async register(input: CreateWebhookInput): Promise<CreatedWebhook> {
    this.deps.http.checkUrl(input.url);
    const id = `wh_${randomBytes(16).toString('base64url')}`;
    // 32 random bytes, base64 after the prefix: the form every Standard Webhooks library reads.
    const signingSecret = `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
    const record: WebhookEndpointRecord = {
      id,
      url: displayUrl(input.url),
      description: input.description === undefined || input.description === '' ? null : input.description,
      events: input.events === undefined ? [...LINK_EVENT_TYPES] : [...new Set(input.events)],
      createdAt: this.deps.now().toISOString(),
    };
    const sealed = await this.deps.vault.seal(webhookOwnerId(id), WEBHOOK_SECRET_FIELD, signingSecret);
    const sealedUrl = await this.deps.vault.seal(webhookOwnerId(id), WEBHOOK_URL_FIELD, input.url);
    await this.deps.store.webhooks.createEndpoint(record, sealed, sealedUrl);
    return { ...record, signingSecret };
  }

  async list(): Promise<WebhookView[]> {
    // Rows written before the URL was sealed hold the full URL: shown in display form all the same.
    return (await this.deps.store.webhooks.listEndpoints()).map((e) => ({ ...e, url: displayUrl(e.url) }));
  }

  async remove(id: string): Promise<void> {
    if (!(await this.deps.store.webhooks.deleteEndpoint(id))) throw notFound(id);
  }

  async deliveries(id: string, limit = 100): Promise<WebhookDeliveryView[]> {
    if ((await this.deps.store.webhooks.getEndpoint(id)) === undefined) throw notFound(id);
    return (await this.deps.store.webhooks.listDeliveries(id, limit)).map(deliveryView);
  }
}

const notFound = (id: string): WebhookError => new WebhookError('WEBHOOK_NOT_FOUND', `No webhook ${id}.`);

const PayloadLinkSchema = z.object({ data: z.object({ linkId: z.string() }) });

export function deliveryView(d: WebhookDeliveryRecord): WebhookDeliveryView {
  let linkId: string | null = null;
  try {
    const parsed = PayloadLinkSchema.safeParse(JSON.parse(d.payload));
    if (parsed.success) linkId = parsed.data.data.linkId;
  } catch {
    linkId = null;
  }
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    linkId,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastErrorCode: d.lastErrorCode,
    createdAt: d.createdAt,
    lastAttemptAt: d.lastAttemptAt,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
    deliveredAt: d.deliveredAt,
  };
}
