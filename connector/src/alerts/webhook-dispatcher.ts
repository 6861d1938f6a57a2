import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import { OutboundError, type SafeHttp } from '../outbound/safe-http';
import { WEBHOOK_SECRET_FIELD, WEBHOOK_URL_FIELD, webhookOwnerId, type WebhookAttemptResult, type WebhookDeliveryRecord } from '../storage/alerts-store';
import type { Store } from '../storage/store';
import type { Vault } from '../vault/vault';

/**
 * Pauses before each retry: the schedule the Standard Webhooks specification suggests (5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), so a receiver down for a day still gets the event. After
 * the last one the delivery is marked failed.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

export interface WebhookDispatcherOptions {
  retryScheduleMs?: readonly number[];
  /** The whole call to a receiver. */
  timeoutMs?: number;
  /** How long a claimed delivery stays with this process; longer than one attempt can take. */
  leaseMs?: number;
  batchSize?: number;
}

export interface WebhookDispatcherDeps extends WebhookDispatcherOptions {
  store: Store;
  vault: Vault;
  http: SafeHttp;
  logger: Logger;
  now: () => Date;
}

/**
 * Sends queued deliveries, signed per Standard Webhooks with the reference library
 * (`standardwebhooks`): `webhook-id` (the event's id, the same on every attempt),
 * `webhook-timestamp` and `webhook-signature` (HMAC-SHA256 over id.timestamp.body). Calls go
 * through the outbound policy (internal addresses refused unless allowed, no redirect followed,
 * bounded in time and size). Each replica runs one; a delivery is claimed before it is sent, so
 * replicas never send the same one.
 */
export class WebhookDispatcher {
  private readonly schedule: readonly number[];
  private readonly timeoutMs: number;
  private readonly leaseMs: number;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.schedule = deps.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.timeoutMs = deps.timeoutMs ?? 10_000;
    this.leaseMs = deps.leaseMs ?? Math.max(60_000, this.timeoutMs * 3);
  }

  /** Sends what is due now; returns how many attempts it made. */
  async runOnce(): Promise<number> {
    const now = this.deps.now();
    const claimed = await this.deps.store.webhooks.claimDue(now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString(), this.deps.batchSize ?? 20);
    // One at a time per endpoint keeps a slow receiver's events in order; endpoints in parallel.
    const byEndpoint = new Map<string, WebhookDeliveryRecord[]>();
    for (const delivery of claimed) byEndpoint.set(delivery.endpointId, [...(byEndpoint.get(delivery.endpointId) ?? []), delivery]);
    await Promise.all(
      [...byEndpoint.values()].map(async (queue) => {
        for (const delivery of queue) await this.attempt(delivery);
      }),
    );
    return claimed.length;
  }

  private async attempt(delivery: WebhookDeliveryRecord): Promise<void> {
    const { store, vault } = this.deps;
    const endpoint = await store.webhooks.getEndpoint(delivery.endpointId);
    if (endpoint === undefined) return; // removed meanwhile: its deliveries went with it
    const owner = webhookOwnerId(endpoint.id);
    const sealed = await store.secrets.get(owner, WEBHOOK_SECRET_FIELD);
    let outcome: { ok: boolean; statusCode: number | null; errorCode: string | null };
    if (sealed === undefined) {
      outcome = { ok: false, statusCode: null, errorCode: 'SIGNING_SECRET_MISSING' };
    } else {
      // The full URL is a vault secret (it may carry the receiver's token) and is opened only here.
      // Legacy rows, written before it was sealed, have no such secret and hold the full URL in
      // their `url` column: they keep working as they are (the API shows them in display form).
      // They are not rewritten here: an older replica still running during a rolling upgrade
      // delivers from that column, and would then send to the display form.
      const sealedUrl = await store.secrets.get(owner, WEBHOOK_URL_FIELD);
      const url = sealedUrl === undefined ? endpoint.url : await vault.open(owner, WEBHOOK_URL_FIELD, sealedUrl);
      outcome = await this.send(url, delivery, await vault.open(owner, WEBHOOK_SECRET_FIELD, sealed));
    }
    const now = this.deps.now();
    const attempts = delivery.attempts + 1;
    const pause = this.schedule[attempts - 1];
    const result: WebhookAttemptResult = {
      status: outcome.ok ? 'delivered' : pause === undefined ? 'failed' : 'pending',
      attempts,
      nextAttemptAt: outcome.ok || pause === undefined ? now.toISOString() : new Date(now.getTime() + pause).toISOString(),
      lastAttemptAt: now.toISOString(),
      lastStatusCode: outcome.statusCode,
      lastErrorCode: outcome.errorCode,
      deliveredAt: outcome.ok ? now.toISOString() : null,
    };
    await store.webhooks.finishAttempt(delivery.id, result);
    const log = { endpointId: endpoint.id, deliveryId: delivery.id, eventId: delivery.eventId, attempts, status: result.status, code: outcome.errorCode };
    if (outcome.ok) this.deps.logger.info(log, 'delivered a webhook');
    else this.deps.logger.warn(log, result.status === 'failed' ? 'gave up delivering a webhook' : 'webhook delivery failed; will retry');
  }

  private async send(url: string, delivery: WebhookDeliveryRecord, secret: string): Promise<{ ok: boolean; statusCode: number | null; errorCode: string | null }> {
    const sentAt = this.deps.now();
    const signature = new Webhook(secret).sign(delivery.eventId, sentAt, delivery.payload);
    try {
      const response = await this.deps.http.request(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': delivery.eventId,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: delivery.payload,
        timeoutMs: this.timeoutMs,
        connectTimeoutMs: Math.min(5_000, this.timeoutMs),
        // The answer is only read for its status.
        maxBytes: 64 * 1024,
      });
      const ok = response.status >= 200 && response.status < 300;
      return { ok, statusCode: response.status, errorCode: ok ? null : `HTTP_${response.status}` };
    } catch (error) {
      if (error instanceof OutboundError) return { ok: false, statusCode: null, errorCode: error.code };
      throw error;
    }
  }
}
