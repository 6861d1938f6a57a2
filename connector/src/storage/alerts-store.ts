/**
 * The sub-stores of forecasts and alerts (issue 15 items 4 and 5), part of `Store`. Metadata
 * only: a webhook's signing secret is sealed by the vault and kept in `secrets` under
 * `webhookOwnerId(id)`, like every other secret (so key rotation re-wraps it).
 */
import type { LinkEventType } from '../../../contract';

/** `SealedSecret` of `store.ts`, spelt out here because store.ts imports this file. */
interface SealedSecret {
  keyVersion: number;
  ciphertext: string;
}

/** The remote's TLS certificate expiry, as the last check that completed a handshake read it. */
export interface CertificateRecord {
  linkId: string;
  host: string;
  validTo: string;
  observedAt: string;
}

/** One `link.expiring` threshold announced for one forecast (its kind and date). */
export interface ExpiryAnnouncement {
  linkId: string;
  kind: string;
  expiresAt: string;
  thresholdDays: number;
  announcedAt: string;
}

export interface MonitoringStore {
  /** Inserts or replaces the link's certificate expiry; does nothing when the link is gone. */
  recordCertificate(record: CertificateRecord): Promise<void>;
  /** Every link's certificate expiry (one query, for scrapes and forecasts of many links). */
  certificates(linkIds?: readonly string[]): Promise<Map<string, CertificateRecord>>;
  /**
   * Records that the threshold was announced. True for exactly one caller across every process
   * sharing the database (the primary key decides); false when it was already announced or the
   * link is gone.
   */
  claimAnnouncement(announcement: ExpiryAnnouncement): Promise<boolean>;
}

/** The owner id under which a webhook endpoint's signing secret is sealed (field below). */
export function webhookOwnerId(endpointId: string): string {
  return `webhook:${endpointId}`;
}
export const WEBHOOK_SECRET_FIELD = 'signingSecret';
/** The field under the same owner id holding the endpoint's full URL (it may carry a token). */
export const WEBHOOK_URL_FIELD = 'url';

export interface WebhookEndpointRecord {
  id: string;
  /**
   * The display form (`displayUrl`), never a credential; the full URL is the vault secret
   * `WEBHOOK_URL_FIELD`. Rows written before that was so hold the full URL and no such secret.
   */
  url: string;
  description: string | null;
  events: LinkEventType[];
  createdAt: string;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one endpoint: the queue entry and its log line at once. */
export interface WebhookDeliveryRecord {
  id: string;
  endpointId: string;
  /** The `webhook-id` header; unique per endpoint, so an event enqueued twice is delivered once. */
  eventId: string;
  eventType: LinkEventType;
  /** The JSON body sent (a LinkEvent: names, codes and dates, never a secret). */
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  /** Set while one process sends it; another takes it only after this time (the sender died). */
  leaseUntil: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastErrorCode: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** What an attempt changes. */
export type WebhookAttemptResult = Pick<WebhookDeliveryRecord, 'status' | 'attempts' | 'nextAttemptAt' | 'lastAttemptAt' | 'lastStatusCode' | 'lastErrorCode' | 'deliveredAt'>;

export interface WebhookStore {
  /** Inserts the endpoint, its sealed signing secret and (when given) its sealed full URL atomically. */
  createEndpoint(record: WebhookEndpointRecord, signingSecret: SealedSecret, fullUrl?: SealedSecret): Promise<void>;
  getEndpoint(id: string): Promise<WebhookEndpointRecord | undefined>;
  listEndpoints(): Promise<WebhookEndpointRecord[]>;
  /** Removes the endpoint, its deliveries and its secret in one transaction. */
  deleteEndpoint(id: string): Promise<boolean>;
  /** Inserts deliveries; one already queued for the same endpoint and event id is left as it is. Returns how many were new. */
  enqueue(deliveries: readonly WebhookDeliveryRecord[]): Promise<number>;
  /**
   * Takes up to `limit` pending deliveries due by `now` that nobody holds, and holds them until
   * `leaseUntil`. Concurrent callers (other replicas) never get the same delivery.
   */
  claimDue(now: string, leaseUntil: string, limit: number): Promise<WebhookDeliveryRecord[]>;
  /** Records an attempt's result and releases the hold. */
  finishAttempt(id: string, result: WebhookAttemptResult): Promise<void>;
  /** The endpoint's deliveries, newest first. */
  listDeliveries(endpointId: string, limit: number): Promise<WebhookDeliveryRecord[]>;
}
