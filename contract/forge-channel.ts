import { z } from 'zod';

/**
 * The channel between the Forge app and the connector: the Forge app calls the connector with a
 * Forge invocation token (FIT) as bearer; the connector answers only the one installation that
 * paired with it by presenting a one-time code printed by `applinks-connector pair`.
 */

/** How long a pairing code printed by `applinks-connector pair` stays valid. */
export const PAIRING_CODE_TTL_MS = 10 * 60 * 1000;

/** `POST /v1/forge/pair`: the code as the admin typed it (case, spaces and dashes do not matter). */
export const ForgePairInputSchema = z.strictObject({
  code: z.string().trim().min(1, 'enter the code printed by applinks-connector pair').max(64, 'is longer than any pairing code'),
});
export type ForgePairInput = z.infer<typeof ForgePairInputSchema>;

/** `GET /v1/forge/status` and the answer to a successful pairing. */
export const ForgeChannelStatusSchema = z.object({
  paired: z.boolean(),
  /** The paired installation (`ari:cloud:ecosystem::installation/...`), null when not paired. */
  installationId: z.string().nullable(),
  /** The Jira Cloud site the paired installation belongs to, when the invocation token said. */
  cloudId: z.string().nullable(),
  pairedAt: z.string().nullable(),
  connectorVersion: z.string(),
});
export type ForgeChannelStatus = z.infer<typeof ForgeChannelStatusSchema>;
