import { z } from 'zod';

/**
 * The Forge app's error registry and the one response shape of its resolvers. The admin page
 * branches on these codes; `test/contract/forge-errors.test.ts` checks that every code is
 * documented in README and raised somewhere in the app.
 */

/**
 * Every resolver answers `{success: true, data}` or `{success: false, status, errors}`. The codes
 * are stable (the admin page branches on them) and each fixes the HTTP-like status reported with it.
 */
export const FORGE_ERRORS = {
  FORBIDDEN: { status: 403, message: 'Only Jira administrators can manage application links.' },
  ADMIN_CHECK_FAILED: { status: 503, message: 'Jira did not confirm that you are an administrator; try again in a moment.' },
  UNKNOWN_RESOLVER: { status: 404, message: 'This app has no such action: reload the page.' },
  VALIDATION_FAILED: { status: 400, message: 'The request does not match what this action accepts.' },
  NOT_FOUND: { status: 404, message: 'This site has no such link: it may have been deleted. Reload the list.' },
  CONFLICT: { status: 409, message: 'The link changed while you were editing it: reload it and try again.' },
  LIMIT_REACHED: { status: 409, message: 'This site has reached the maximum number of application links.' },
  STEP_NOT_MANUAL: { status: 400, message: 'This step completes by itself when its action is done; it cannot be set by hand.' },
  INCOMING_NOT_AVAILABLE: { status: 400, message: 'This kind of remote does not call this site, so it has no incoming credentials.' },
  INCOMING_NOT_ISSUED: { status: 400, message: 'Issue incoming credentials for this link first.' },
  CONNECTOR_UNREACHABLE: {
    status: 502,
    message:
      'The connector did not answer. Check that it runs, that its public HTTPS URL is the one in manifest.yml (npm run forge:configure) and that Forge can reach it.',
  },
  CONNECTOR_UNAUTHENTICATED: {
    status: 409,
    message: "The connector did not accept this app's invocation token: set FORGE_APP_ID on the connector to this app's id (app.id in manifest.yml).",
  },
  CONNECTOR_FORBIDDEN: {
    status: 409,
    message: 'The connector refused this site: it is not paired with it yet, or it is paired with another site.',
  },
  CONNECTOR_REJECTED: { status: 400, message: 'The connector refused the request.' },
  CONNECTOR_LINK_MISSING: {
    status: 409,
    message: 'The connector has no record of this link. It may have been deleted there: delete the link here and create it again.',
  },
  CONNECTOR_ERROR: { status: 502, message: 'The connector failed to answer properly; its log has the cause.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side. The cause has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ForgeErrorCode = keyof typeof FORGE_ERRORS;
export const FORGE_ERROR_CODES = Object.keys(FORGE_ERRORS) as [ForgeErrorCode, ...ForgeErrorCode[]];

export const ResolverErrorSchema = z.object({
  code: z.enum(FORGE_ERROR_CODES),
  message: z.string(),
  /** Where in the payload the problem is, as a dotted path, for validation errors. */
  path: z.string().optional(),
});
export type ResolverError = z.infer<typeof ResolverErrorSchema>;

export const ResolverFailureSchema = z.object({
  success: z.literal(false),
  status: z.number().int(),
  errors: z.array(ResolverErrorSchema).min(1),
});
export type ResolverFailure = z.infer<typeof ResolverFailureSchema>;

export const resolverSuccessSchema = <T extends z.ZodType>(data: T) => z.object({ success: z.literal(true), data });
export type ResolverSuccess<T> = { success: true; data: T };
export type ResolverResponse<T> = ResolverSuccess<T> | ResolverFailure;
