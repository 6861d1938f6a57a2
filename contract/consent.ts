import { z } from 'zod';
import { CloudIncomingScopeSchema } from './incoming';

/**
 * The consent surface's wire: the page ordinary signed-in users reach to approve (or deny) a
 * remote's authorization request. These resolvers need no Jira administrator: the account that
 * consents is the invocation's principal, never a payload value.
 */
export const CONSENT_RESOLVER_KEYS = ['getConsentRequest', 'decideConsent'] as const;
export type ConsentResolverKey = (typeof CONSENT_RESOLVER_KEYS)[number];

/** A pending request's id: 32 random bytes, base64url. */
export const ConsentRequestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not an authorization request id');

export const ConsentRequestViewSchema = z.object({
  linkName: z.string(),
  remoteLabel: z.string(),
  applicationUrl: z.string(),
  redirectUri: z.string(),
  scopes: z.array(z.object({ name: CloudIncomingScopeSchema, description: z.string() })),
  /**
   * Whose permissions the remote's calls use. Forge documents no user impersonation for web
   * triggers, so gateway calls act as the app; the page says so before anyone consents.
   */
  actsAs: z.literal('app'),
  actsAsText: z.string(),
  expiresAt: z.string(),
});
export type ConsentRequestView = z.infer<typeof ConsentRequestViewSchema>;

export const ConsentDecisionSchema = z.object({
  decision: z.enum(['approve', 'deny']),
  /** Where the browser goes next: the remote's redirect URI with the code (or the error) and state. */
  redirectUrl: z.string(),
});
export type ConsentDecision = z.infer<typeof ConsentDecisionSchema>;

export const CONSENT_RESOLVERS = {
  getConsentRequest: { payload: z.strictObject({ requestId: ConsentRequestIdSchema }), result: ConsentRequestViewSchema },
  decideConsent: { payload: z.strictObject({ requestId: ConsentRequestIdSchema, decision: z.enum(['approve', 'deny']) }), result: ConsentDecisionSchema },
} as const satisfies Record<ConsentResolverKey, { payload: z.ZodType; result: z.ZodType }>;

export function isConsentResolverKey(key: unknown): key is ConsentResolverKey {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(CONSENT_RESOLVERS, key);
}

/** The consent surface's manifest module key (a `jira:globalPage`). */
export const CONSENT_MODULE_KEY = 'applinks-consent';
