import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { LinkEventSchema, type LinkEvent } from '../../../contract';
import type { WebhookDeliveryRecord } from '../storage/alerts-store';
import type { Store } from '../storage/store';
import type { LinkEventSink } from '../monitoring/seams';

/**
 * The same event gets the same id wherever it is published, so a transition announced by two
 * replicas is queued once per endpoint (the queue is unique on endpoint and event id), and a
 * receiver sees one `webhook-id` however many attempts it takes.
 */
export function eventIdOf(event: LinkEvent): string {
  const { data } = event;
  const identity = JSON.stringify([event.type, data.linkId, data.since, data.code, data.expiry?.kind ?? null, data.expiry?.expiresAt ?? null, data.expiry?.daysLeft ?? null]);
  return `msg_${createHash('sha256').update(identity).digest('base64url').slice(0, 32)}`;
}

/**
 * Queues every event for the endpoints subscribed to its type, in the database (so deliveries
 * survive a restart), and nudges the dispatcher. Never throws: a failure to queue is logged.
 */
export class WebhookSink implements LinkEventSink {
  constructor(private readonly deps: { store: Store; logger: Logger; now: () => Date; onQueued?: () => void }) {}

  async publish(event: LinkEvent): Promise<void> {
    try {
      // Parsing keeps exactly the contract's fields: anything else a caller put on the event
      // (a token, a secret) is dropped here and never reaches a receiver.
      const parsed = LinkEventSchema.parse(event);
      const endpoints = (await this.deps.store.webhooks.listEndpoints()).filter((endpoint) => endpoint.events.includes(parsed.type));
      if (endpoints.length === 0) return;
      const now = this.deps.now().toISOString();
      const eventId = eventIdOf(parsed);
      const payload = JSON.stringify(parsed);
      const deliveries: WebhookDeliveryRecord[] = endpoints.map((endpoint) => ({
        id: `whd_${randomBytes(12).toString('base64url')}`,
        endpointId: endpoint.id,
        eventId,
        eventType: parsed.type,
        payload,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        leaseUntil: null,
        lastAttemptAt: null,
        lastStatusCode: null,
        lastErrorCode: null,
        createdAt: now,
        deliveredAt: null,
      }));
      const queued = await this.deps.store.webhooks.enqueue(deliveries);
      this.deps.logger.info({ type: parsed.type, linkId: parsed.data.linkId, eventId, queued }, 'queued a link event for webhooks');
      if (queued > 0) this.deps.onQueued?.();
    } catch (error) {
      this.deps.logger.error({ err: error, type: event.type }, 'could not queue a link event for webhooks');
    }
  }
}
