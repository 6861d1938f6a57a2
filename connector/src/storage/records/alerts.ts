/** Rows of the forecast and alert tables, parsed at the storage edge. */
import { z } from 'zod';
import { LinkEventTypeSchema } from '../../../../contract';
import type { CertificateRecord, ExpiryAnnouncement, WebhookDeliveryRecord, WebhookEndpointRecord } from '../alerts-store';
import { checkRecord, IdSchema, JsonTextSchema, NullableString, parseRow, TimestampSchema } from './common';

const CertificateRowSchema = z.object({ link_id: IdSchema, host: z.string(), valid_to: TimestampSchema, observed_at: TimestampSchema });

export const CertificateRecordSchema = z.object({ linkId: IdSchema, host: z.string(), validTo: TimestampSchema, observedAt: TimestampSchema }) satisfies z.ZodType<CertificateRecord>;

export function certificateFromRow(row: unknown): CertificateRecord {
  const r = parseRow(CertificateRowSchema, row, 'link_certificates');
  return { linkId: r.link_id, host: r.host, validTo: r.valid_to, observedAt: r.observed_at };
}

export const ExpiryAnnouncementSchema = z.object({
  linkId: IdSchema,
  kind: z.string().min(1),
  expiresAt: TimestampSchema,
  thresholdDays: z.number().int().min(0).max(3650),
  announcedAt: TimestampSchema,
}) satisfies z.ZodType<ExpiryAnnouncement>;

export const WebhookEndpointRecordSchema = z.object({
  id: IdSchema,
  url: z.string().min(1),
  description: NullableString,
  events: z.array(LinkEventTypeSchema).min(1),
  createdAt: TimestampSchema,
}) satisfies z.ZodType<WebhookEndpointRecord>;

const EndpointRowSchema = z.object({
  id: IdSchema,
  url: z.string(),
  description: NullableString,
  events: JsonTextSchema.pipe(z.array(LinkEventTypeSchema)),
  created_at: TimestampSchema,
});

export function webhookEndpointFromRow(row: unknown): WebhookEndpointRecord {
  const r = parseRow(EndpointRowSchema, row, 'webhook_endpoints');
  return { id: r.id, url: r.url, description: r.description, events: r.events, createdAt: r.created_at };
}

const StatusSchema = z.enum(['pending', 'delivered', 'failed']);
const AttemptsSchema = z.number().int().min(0).max(2 ** 31 - 1);

export const WebhookDeliveryRecordSchema = z.object({
  id: IdSchema,
  endpointId: IdSchema,
  eventId: IdSchema,
  eventType: LinkEventTypeSchema,
  payload: z.string().min(2),
  status: StatusSchema,
  attempts: AttemptsSchema,
  nextAttemptAt: TimestampSchema,
  leaseUntil: TimestampSchema.nullable(),
  lastAttemptAt: TimestampSchema.nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastErrorCode: NullableString,
  createdAt: TimestampSchema,
  deliveredAt: TimestampSchema.nullable(),
}) satisfies z.ZodType<WebhookDeliveryRecord>;

const DeliveryRowSchema = z.object({
  id: IdSchema,
  endpoint_id: IdSchema,
  event_id: IdSchema,
  event_type: LinkEventTypeSchema,
  payload: z.string(),
  status: StatusSchema,
  attempts: AttemptsSchema,
  next_attempt_at: TimestampSchema,
  lease_until: TimestampSchema.nullable(),
  last_attempt_at: TimestampSchema.nullable(),
  last_status_code: z.number().int().nullable(),
  last_error_code: NullableString,
  created_at: TimestampSchema,
  delivered_at: TimestampSchema.nullable(),
});

/** The columns in the order both adapters select and insert them (payload as JSON text). */
export const DELIVERY_COLUMNS =
  'id, endpoint_id, event_id, event_type, payload, status, attempts, next_attempt_at, lease_until, last_attempt_at, last_status_code, last_error_code, created_at, delivered_at';

export function webhookDeliveryFromRow(row: unknown): WebhookDeliveryRecord {
  const r = parseRow(DeliveryRowSchema, row, 'webhook_deliveries');
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    lastAttemptAt: r.last_attempt_at,
    lastStatusCode: r.last_status_code,
    lastErrorCode: r.last_error_code,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}

/** A delivery's values in `DELIVERY_COLUMNS` order, checked before they are written. */
export function deliveryValues(record: WebhookDeliveryRecord): unknown[] {
  const d = checkRecord(WebhookDeliveryRecordSchema, record, 'webhook delivery');
  JSON.parse(d.payload);
  return [d.id, d.endpointId, d.eventId, d.eventType, d.payload, d.status, d.attempts, d.nextAttemptAt, d.leaseUntil, d.lastAttemptAt, d.lastStatusCode, d.lastErrorCode, d.createdAt, d.deliveredAt];
}
