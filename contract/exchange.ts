import { z } from 'zod';

/** Exchange steps: who does what, and which value moves where, across the two applications. */

export const EXCHANGE_STEP_IDS = [
  'remote-incoming-link',
  'outgoing-credentials',
  'incoming-credentials',
  'remote-outgoing-link',
  'redirect-uri',
  'authorize',
  'test-connection',
] as const;
export const ExchangeStepIdSchema = z.enum(EXCHANGE_STEP_IDS);
export type ExchangeStepId = z.infer<typeof ExchangeStepIdSchema>;

/**
 * Steps whose marks a stored link may hold. The remote's outgoing link was marked by hand before
 * the cloud side could see it work; stored marks for it still parse, and are ignored.
 */
export const MANUAL_EXCHANGE_STEPS = ['remote-incoming-link', 'remote-outgoing-link'] as const satisfies readonly ExchangeStepId[];
/** Steps the admin marks by hand now: the remote's incoming link, where this app cannot look. */
export const MARKABLE_EXCHANGE_STEPS = ['remote-incoming-link'] as const satisfies readonly ManualExchangeStepId[];
type ManualExchangeStepId = (typeof MANUAL_EXCHANGE_STEPS)[number];
export const ManualExchangeStepSchema = z.enum(MANUAL_EXCHANGE_STEPS);
export type ManualExchangeStep = z.infer<typeof ManualExchangeStepSchema>;

export const ExchangeStepViewSchema = z.object({
  id: ExchangeStepIdSchema,
  title: z.string(),
  /** Who acts: an admin of this Jira site, or an admin of the remote application. */
  actor: z.enum(['site-admin', 'remote-admin']),
  mode: z.enum(['manual', 'automatic']),
  /** The value that moves, from where to where, when the step moves one. */
  moves: z.object({ value: z.string(), from: z.string(), to: z.string() }).nullable(),
  status: z.enum(['pending', 'done']),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type ExchangeStepView = z.infer<typeof ExchangeStepViewSchema>;
