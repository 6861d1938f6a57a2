/**
 * Forecast and alert tables on PostgreSQL, shared by replicas: an announcement is claimed by its
 * primary key, and deliveries are taken with `FOR UPDATE SKIP LOCKED` plus a lease, so two
 * replicas polling together never send the same delivery, and one that died mid-send leaves it
 * to another once the lease ends.
 */
import { WEBHOOK_SECRET_FIELD, WEBHOOK_URL_FIELD, webhookOwnerId, type MonitoringStore, type WebhookStore } from '../alerts-store';
import {
  CertificateRecordSchema,
  certificateFromRow,
  checkLimit,
  checkRecord,
  checkTimestamp,
  deliveryValues,
  DELIVERY_COLUMNS,
  ExpiryAnnouncementSchema,
  WebhookEndpointRecordSchema,
  webhookDeliveryFromRow,
  webhookEndpointFromRow,
} from '../records';
import { SECRET_WRITE, type PostgresConnection } from './connection';

const SELECT_DELIVERY = DELIVERY_COLUMNS.replace('payload', 'payload::text AS payload');

export function postgresMonitoring(c: PostgresConnection): MonitoringStore {
  const { query } = c;
  return {
    async recordCertificate(record) {
      const r = checkRecord(CertificateRecordSchema, record, 'certificate record');
      // INSERT ... SELECT: a link deleted meanwhile leaves nothing behind and raises nothing.
      await query(
        {},
        `INSERT INTO link_certificates (link_id, host, valid_to, observed_at) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM links WHERE id = $1)
         ON CONFLICT (link_id) DO UPDATE SET host = excluded.host, valid_to = excluded.valid_to, observed_at = excluded.observed_at`,
        [r.linkId, r.host, r.validTo, r.observedAt],
      );
    },

    async certificates(linkIds) {
      const { rows } =
        linkIds === undefined
          ? await query({}, 'SELECT link_id, host, valid_to, observed_at FROM link_certificates')
          : await query({}, 'SELECT link_id, host, valid_to, observed_at FROM link_certificates WHERE link_id = ANY($1::text[])', [linkIds]);
      return new Map(rows.map((row) => certificateFromRow(row)).map((record) => [record.linkId, record]));
    },

    async claimAnnouncement(announcement) {
      const a = checkRecord(ExpiryAnnouncementSchema, announcement, 'expiry announcement');
      const result = await query(
        {},
        `INSERT INTO expiry_announcements (link_id, kind, expires_at, threshold_days, announced_at)
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM links WHERE id = $1) ON CONFLICT DO NOTHING`,
        [a.linkId, a.kind, a.expiresAt, a.thresholdDays, a.announcedAt],
      );
      return (result.rowCount ?? 0) > 0;
    },
  };
}

export function postgresWebhooks(c: PostgresConnection): WebhookStore {
  const { query } = c;
  return {
    async createEndpoint(record, signingSecret, fullUrl) {
      const r = checkRecord(WebhookEndpointRecordSchema, record, 'webhook endpoint');
      await c.transaction({ ...SECRET_WRITE, unique: 'A webhook with this id already exists.' }, async (q) => {
        await q('INSERT INTO webhook_endpoints (id, url, description, events, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)', [r.id, r.url, r.description, JSON.stringify(r.events), r.createdAt]);
        await c.putSecret(q, webhookOwnerId(r.id), WEBHOOK_SECRET_FIELD, signingSecret);
        if (fullUrl !== undefined) await c.putSecret(q, webhookOwnerId(r.id), WEBHOOK_URL_FIELD, fullUrl);
      });
    },

    async getEndpoint(id) {
      const { rows } = await query({}, 'SELECT id, url, description, events::text AS events, created_at FROM webhook_endpoints WHERE id = $1', [id]);
      return rows[0] === undefined ? undefined : webhookEndpointFromRow(rows[0]);
    },

    async listEndpoints() {
      const { rows } = await query({}, 'SELECT id, url, description, events::text AS events, created_at FROM webhook_endpoints ORDER BY created_at, id');
      return rows.map(webhookEndpointFromRow);
    },

    async deleteEndpoint(id) {
      return c.transaction({}, async (q) => {
        await q('DELETE FROM webhook_deliveries WHERE endpoint_id = $1', [id]);
        await q('DELETE FROM secrets WHERE owner_id = $1', [webhookOwnerId(id)]);
        const result = await q('DELETE FROM webhook_endpoints WHERE id = $1', [id]);
        return (result.rowCount ?? 0) > 0;
      });
    },

    async enqueue(deliveries) {
      const values = deliveries.map(deliveryValues);
      if (values.length === 0) return 0;
      return c.transaction({}, async (q) => {
        let added = 0;
        for (const row of values) {
          const result = await q(
            `INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
            row,
          );
          added += result.rowCount ?? 0;
        }
        return added;
      });
    },

    async claimDue(now, leaseUntil, limit) {
      checkTimestamp(now, 'now');
      checkTimestamp(leaseUntil, 'leaseUntil');
      checkLimit(limit);
      // SKIP LOCKED: a replica claiming at the same moment passes over the rows this one locked
      // instead of waiting and then taking them too; the lease keeps them claimed after commit.
      const { rows } = await query(
        {},
        `UPDATE webhook_deliveries SET lease_until = $1
         WHERE id IN (SELECT id FROM webhook_deliveries
                      WHERE status = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
                      ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING ${SELECT_DELIVERY}`,
        [leaseUntil, now, limit],
      );
      return rows.map(webhookDeliveryFromRow).sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : 0));
    },

    async finishAttempt(id, r) {
      await query(
        {},
        `UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4, last_attempt_at = $5, last_status_code = $6,
                last_error_code = $7, delivered_at = $8, lease_until = NULL WHERE id = $1`,
        [id, r.status, r.attempts, r.nextAttemptAt, r.lastAttemptAt, r.lastStatusCode, r.lastErrorCode, r.deliveredAt],
      );
    },

    async listDeliveries(endpointId, limit) {
      checkLimit(limit);
      const { rows } = await query({}, `SELECT ${SELECT_DELIVERY} FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [endpointId, limit]);
      return rows.map(webhookDeliveryFromRow);
    },
  };
}
