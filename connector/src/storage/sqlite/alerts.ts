/** Forecast and alert tables on SQLite (one process: the queue's lease only guards a restart). */
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
import { SECRET_WRITE, type SqliteConnection } from './connection';

export function sqliteMonitoring(c: SqliteConnection): MonitoringStore {
  return {
    async recordCertificate(record) {
      const r = checkRecord(CertificateRecordSchema, record, 'certificate record');
      // INSERT ... SELECT: a link deleted meanwhile leaves nothing behind and raises nothing.
      c.run({}, () =>
        c
          .sql(
            `INSERT INTO link_certificates (link_id, host, valid_to, observed_at) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM links WHERE id = ?)
             ON CONFLICT (link_id) DO UPDATE SET host = excluded.host, valid_to = excluded.valid_to, observed_at = excluded.observed_at`,
          )
          .run(r.linkId, r.host, r.validTo, r.observedAt, r.linkId),
      );
    },

    async certificates(linkIds) {
      const rows = c.run({}, () =>
        linkIds === undefined
          ? c.sql('SELECT link_id, host, valid_to, observed_at FROM link_certificates').all()
          : c.sql('SELECT link_id, host, valid_to, observed_at FROM link_certificates WHERE link_id IN (SELECT value FROM json_each(?))').all(JSON.stringify(linkIds)),
      );
      return new Map(rows.map((row) => certificateFromRow(row)).map((record) => [record.linkId, record]));
    },

    async claimAnnouncement(announcement) {
      const a = checkRecord(ExpiryAnnouncementSchema, announcement, 'expiry announcement');
      return c.run({}, () =>
        c
          .sql(
            `INSERT INTO expiry_announcements (link_id, kind, expires_at, threshold_days, announced_at)
             SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM links WHERE id = ?) ON CONFLICT DO NOTHING`,
          )
          .run(a.linkId, a.kind, a.expiresAt, a.thresholdDays, a.announcedAt, a.linkId).changes > 0,
      );
    },
  };
}

export function sqliteWebhooks(c: SqliteConnection): WebhookStore {
  return {
    async createEndpoint(record, signingSecret, fullUrl) {
      const r = checkRecord(WebhookEndpointRecordSchema, record, 'webhook endpoint');
      c.writeTransaction({ ...SECRET_WRITE, unique: 'A webhook with this id already exists.' }, () => {
        c.sql('INSERT INTO webhook_endpoints (id, url, description, events, created_at) VALUES (?, ?, ?, ?, ?)').run(r.id, r.url, r.description, JSON.stringify(r.events), r.createdAt);
        c.putSecret(webhookOwnerId(r.id), WEBHOOK_SECRET_FIELD, signingSecret);
        if (fullUrl !== undefined) c.putSecret(webhookOwnerId(r.id), WEBHOOK_URL_FIELD, fullUrl);
      });
    },

    async getEndpoint(id) {
      const row = c.run({}, () => c.sql('SELECT id, url, description, events, created_at FROM webhook_endpoints WHERE id = ?').get(id));
      return row === undefined ? undefined : webhookEndpointFromRow(row);
    },

    async listEndpoints() {
      const rows = c.run({}, () => c.sql('SELECT id, url, description, events, created_at FROM webhook_endpoints ORDER BY created_at, id').all());
      return rows.map(webhookEndpointFromRow);
    },

    async deleteEndpoint(id) {
      return c.writeTransaction({}, () => {
        c.sql('DELETE FROM webhook_deliveries WHERE endpoint_id = ?').run(id);
        c.sql('DELETE FROM secrets WHERE owner_id = ?').run(webhookOwnerId(id));
        return c.sql('DELETE FROM webhook_endpoints WHERE id = ?').run(id).changes > 0;
      });
    },

    async enqueue(deliveries) {
      const values = deliveries.map(deliveryValues);
      return c.writeTransaction({}, () => {
        let added = 0;
        const insert = c.sql(`INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS}) VALUES (${DELIVERY_COLUMNS.split(',').map(() => '?').join(', ')}) ON CONFLICT (endpoint_id, event_id) DO NOTHING`);
        for (const row of values) added += insert.run(...row).changes;
        return added;
      });
    },

    async claimDue(now, leaseUntil, limit) {
      checkTimestamp(now, 'now');
      checkTimestamp(leaseUntil, 'leaseUntil');
      checkLimit(limit);
      const rows = c.writeTransaction({}, () =>
        c
          .sql(
            `UPDATE webhook_deliveries SET lease_until = ?
             WHERE id IN (SELECT id FROM webhook_deliveries
                          WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                          ORDER BY next_attempt_at, id LIMIT ?)
             RETURNING ${DELIVERY_COLUMNS}`,
          )
          .all(leaseUntil, now, now, limit),
      );
      return rows.map(webhookDeliveryFromRow).sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : 0));
    },

    async finishAttempt(id, r) {
      c.run({}, () =>
        c
          .sql(
            `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?, last_status_code = ?,
                    last_error_code = ?, delivered_at = ?, lease_until = NULL WHERE id = ?`,
          )
          .run(r.status, r.attempts, r.nextAttemptAt, r.lastAttemptAt, r.lastStatusCode, r.lastErrorCode, r.deliveredAt, id),
      );
    },

    async listDeliveries(endpointId, limit) {
      checkLimit(limit);
      const rows = c.run({}, () => c.sql(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`).all(endpointId, limit));
      return rows.map(webhookDeliveryFromRow);
    },
  };
}
