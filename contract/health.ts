import { z } from 'zod';

/**
 * Monitoring's wire: what expires when (forecasts) and the events the connector announces to
 * alert receivers (webhook payloads, Standard Webhooks' `{type, timestamp, data}` shape). The
 * health history's views are added here by the monitoring work that serves them.
 */

/** What can expire on a link, each with where its date came from. */
export const FORECAST_KINDS = [
  /** The remote's TLS certificate, as read during the TLS stage of the last check. */
  'tls-certificate',
  /** The outgoing client secret's expiry, as entered with the secret (Entra, custom providers). */
  'client-secret',
  /** A Data Center service account's credential expiry, as entered with it. */
  'service-account',
  /** The refresh token: `refresh_token_expires_in`, or the remote's documented lifetime since the last refresh. */
  'refresh-token',
  /** The cloud side's issued incoming secret, when the admin set an expiry on it. */
  'issued-secret',
] as const;
export const ForecastKindSchema = z.enum(FORECAST_KINDS);
export type ForecastKind = z.infer<typeof ForecastKindSchema>;

export const ForecastSchema = z.object({
  kind: ForecastKindSchema,
  /** UTC timestamp. */
  expiresAt: z.string(),
  /** Where the date comes from, in words an admin reads ("certificate of jira.example.com", "entered with the secret"). */
  source: z.string(),
});
export type Forecast = z.infer<typeof ForecastSchema>;

export const LINK_EVENT_TYPES = ['link.failing', 'link.recovered', 'link.expiring', 'link.needs_reauthorization'] as const;
export const LinkEventTypeSchema = z.enum(LINK_EVENT_TYPES);
export type LinkEventType = z.infer<typeof LinkEventTypeSchema>;

/** One event about one link. Never a secret or token: names, codes, dates. */
export const LinkEventSchema = z.object({
  type: LinkEventTypeSchema,
  /** UTC timestamp of the transition or of the forecast's threshold crossing. */
  timestamp: z.string(),
  data: z.object({
    linkId: z.string(),
    linkName: z.string(),
    remoteKind: z.string(),
    applicationUrl: z.string(),
    /** The failing stage and code (failing), or null. */
    stage: z.string().nullable(),
    code: z.string().nullable(),
    hint: z.string().nullable(),
    /** Since when the link is in this state. */
    since: z.string(),
    /** For `link.expiring`: what expires, when, and how many whole days are left. */
    expiry: ForecastSchema.extend({ daysLeft: z.number().int() }).nullable(),
  }),
});
export type LinkEvent = z.infer<typeof LinkEventSchema>;
