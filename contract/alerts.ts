import { z } from 'zod';
import { LINK_EVENT_TYPES, LinkEventTypeSchema } from './health';
import { HttpUrlSchema } from './links';
import { storableText } from './text';

/**
 * Alert webhooks' wire (issue 15 item 5b): the operator API that registers endpoints and reads
 * their delivery logs. The payload of a delivery is a `LinkEvent` (`contract/health.ts`), signed
 * per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
 */
export const WEBHOOK_PATHS = {
  webhooks: '/v1/webhooks',
  webhook: '/v1/webhooks/:id',
  deliveries: '/v1/webhooks/:id/deliveries',
} as const;

/** The signing secret's prefix, as Standard Webhooks libraries expect it (`whsec_` + base64). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export const WebhookIdSchema = z.string().regex(/^wh_[A-Za-z0-9_-]{16,64}$/, 'must be a webhook id (wh_...)');
export const WebhookParamsSchema = z.strictObject({ id: WebhookIdSchema });

export const CreateWebhookInputSchema = z.strictObject({
  url: HttpUrlSchema,
  /** Which events to send; all of them when absent. */
  events: z.array(LinkEventTypeSchema).min(1).max(LINK_EVENT_TYPES.length).optional(),
  description: storableText(z.string().trim().max(200)).optional(),
});
export type CreateWebhookInput = z.infer<typeof CreateWebhookInputSchema>;

export const WebhookViewSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(LinkEventTypeSchema),
  createdAt: z.string(),
});
export type WebhookView = z.infer<typeof WebhookViewSchema>;

/** The answer to a registration: the endpoint and its signing secret, shown this once. */
export const CreatedWebhookSchema = WebhookViewSchema.extend({ signingSecret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhookSchema>;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

/** One event's delivery to one endpoint: never its body, only what happened to it. */
export const WebhookDeliveryViewSchema = z.object({
  id: z.string(),
  /** The `webhook-id` header: the same on every attempt, so receivers can drop repeats. */
  eventId: z.string(),
  eventType: LinkEventTypeSchema,
  linkId: z.string().nullable(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int().nonnegative(),
  /** The receiver's HTTP status on the last attempt, if it answered. */
  lastStatusCode: z.number().int().nullable(),
  /** Why the last attempt failed (`HTTP_500`, `CONNECTION_REFUSED`, `TIMEOUT`...), or null. */
  lastErrorCode: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryViewSchema>;
