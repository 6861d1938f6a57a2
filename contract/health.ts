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

/* ---- Scheduled checks and health history (the views the connector serves) ---- */

/** How often a link is checked: minutes between checks, or null for off. */
export const CHECK_INTERVAL_MINUTES = { default: 15, min: 5, max: 24 * 60 } as const;
export const CheckIntervalSchema = z.number().int().min(CHECK_INTERVAL_MINUTES.min).max(CHECK_INTERVAL_MINUTES.max).nullable();

/** The transitions scheduled checks and the refresh path record, one entry per transition. */
export const HEALTH_TRANSITION_TYPES = ['failing', 'recovered', 'needs-reauthorization'] as const;
export const HealthTransitionTypeSchema = z.enum(HEALTH_TRANSITION_TYPES);
export type HealthTransitionType = z.infer<typeof HealthTransitionTypeSchema>;

export const HealthTransitionSchema = z.object({
  /** Unique; receivers (the Forge audit log) record a transition once by this id. */
  id: z.string(),
  linkId: z.string(),
  /** The link's name when the transition was recorded (the link may be gone since). */
  linkName: z.string(),
  type: HealthTransitionTypeSchema,
  at: z.string(),
  stage: z.string().nullable(),
  code: z.string().nullable(),
  hint: z.string().nullable(),
  /** Since when the new state holds: the first failed check of the streak, or the good check. */
  since: z.string(),
});
export type HealthTransition = z.infer<typeof HealthTransitionSchema>;

/** A failed check, kept whole: the first failing stage. */
export const HealthFailureSchema = z.object({
  at: z.string(),
  stage: z.string(),
  code: z.string(),
  message: z.string(),
  hint: z.string(),
  ms: z.number(),
});
export type HealthFailure = z.infer<typeof HealthFailureSchema>;

/** One hour of checks (successes are kept only as these counts). */
export const HealthHourSchema = z.object({ hour: z.string(), checks: z.number().int(), failures: z.number().int() });
export type HealthHour = z.infer<typeof HealthHourSchema>;

/** Good checks over all checks in a window; null when there was no check in it. */
export const UptimeSchema = z.object({ ratio: z.number().min(0).max(1).nullable(), checks: z.number().int() });
export type Uptime = z.infer<typeof UptimeSchema>;

export const HealthStateSchema = z.enum(['unknown', 'up', 'failing']);
export type HealthState = z.infer<typeof HealthStateSchema>;

/** "Breaks in N days" is shown from these many days ahead. */
export const BREAKS_IN_THRESHOLDS_DAYS = [30, 14, 7, 1] as const;

/** The threshold a forecast has crossed (1, 7, 14 or 30 days ahead), or null when it is further away. */
export function breaksInThreshold(daysLeft: number): (typeof BREAKS_IN_THRESHOLDS_DAYS)[number] | null {
  const crossed = BREAKS_IN_THRESHOLDS_DAYS.filter((days) => daysLeft <= days);
  return crossed.length === 0 ? null : crossed[crossed.length - 1]!;
}

export const BreaksInSchema = ForecastSchema.extend({ daysLeft: z.number().int(), thresholdDays: z.number().int() });
export type BreaksIn = z.infer<typeof BreaksInSchema>;

/** What the links list shows per link: a compact badge and the soonest "breaks in" within 30 days. */
export const LinkHealthSummarySchema = z.object({
  state: HealthStateSchema,
  /** Since when the state holds; null before the first check. */
  since: z.string().nullable(),
  consecutiveFailures: z.number().int().nonnegative(),
  lastCheckedAt: z.string().nullable(),
  uptime24h: UptimeSchema,
  breaksIn: BreaksInSchema.nullable(),
});
export type LinkHealthSummary = z.infer<typeof LinkHealthSummarySchema>;

/** `GET /v1/links/:id/health`: the last 30 days of a link's checks. */
export const LinkHealthSchema = LinkHealthSummarySchema.extend({
  linkId: z.string(),
  intervalMinutes: CheckIntervalSchema,
  nextCheckAt: z.string().nullable(),
  /** The failing stage of the last failed check while the state is failing. */
  lastFailure: HealthFailureSchema.nullable(),
  uptime: z.object({ day: UptimeSchema, week: UptimeSchema, month: UptimeSchema }),
  /** Mean time per stage over 30 days, counting checks where the stage ran. */
  latency: z.array(z.object({ stage: z.string(), meanMs: z.number(), runs: z.number().int() })),
  /** Hours with checks, oldest first. */
  hours: z.array(HealthHourSchema),
  /** Failed checks, newest first (at most 200). */
  failures: z.array(HealthFailureSchema),
  /** Transitions, newest first. */
  transitions: z.array(HealthTransitionSchema),
  /** What will expire, soonest first (the forecast source; empty when none is wired). */
  forecasts: z.array(ForecastSchema),
});
export type LinkHealth = z.infer<typeof LinkHealthSchema>;

export const HealthSummariesInputSchema = z.strictObject({ ids: z.array(z.string().uuid()).min(1).max(500) });
export const HealthSummariesSchema = z.object({ items: z.array(z.object({ id: z.string(), health: LinkHealthSummarySchema })) });
export type HealthSummaries = z.infer<typeof HealthSummariesSchema>;

/** `GET /v1/health/transitions?since=`: transitions recorded at or after `since`, oldest first. */
export const TransitionsQuerySchema = z.strictObject({
  since: z.string().datetime().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
export const TransitionListSchema = z.object({ items: z.array(HealthTransitionSchema) });
export type TransitionList = z.infer<typeof TransitionListSchema>;
