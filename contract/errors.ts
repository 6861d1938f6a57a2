import { z } from 'zod';

/**
 * The one registry of API error codes, with the HTTP status each is sent with.
 *
 * Both the connector and the Forge app answer errors as `{error: {code, message}}`. A code is
 * stable: tools and the admin page branch on it, so a code is never renamed, only added.
 * Codes carry a message a person can act on. An unexpected failure is always `INTERNAL` (500) with
 * a generic message, and its cause goes to the log only; 502 and 503 codes describe a state of the
 * remote or of the service, never an internal detail.
 */
export const API_ERRORS = {
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  VALIDATION_FAILED: { status: 400, message: 'The request does not match what this endpoint accepts.' },
  INSECURE_URL: { status: 400, message: 'The URL must use https (http is allowed only for hosts in CONNECTOR_ALLOWED_HOSTS).' },
  HOST_NOT_ALLOWED: { status: 400, message: 'The host is not allowed for outbound calls.' },
  UNAUTHENTICATED: { status: 401, message: 'Authentication is required.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  OPERATOR_API_DISABLED: { status: 403, message: 'The operator API is off: set CONNECTOR_ADMIN_TOKEN to turn it on.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed.' },
  CONFLICT: { status: 409, message: 'The resource changed while you were editing it: read it again and retry.' },
  ALREADY_EXISTS: { status: 409, message: 'A resource with these details already exists.' },
  LINK_NOT_CONFIGURED: { status: 409, message: 'Enter the client ID and secret from the remote\'s incoming link first.' },
  NOT_AUTHORIZED: { status: 409, message: 'The link has no token yet: authorize it first.' },
  NEEDS_REAUTHORIZATION: { status: 409, message: 'The remote refused the refresh token: authorize the link again.' },
  USER_NOT_CONNECTED: { status: 409, message: 'This user has not connected their account on this link.' },
  USER_DISCONNECTED: { status: 409, message: 'This user was disconnected from this link: they must connect again.' },
  GRANT_MISMATCH: { status: 409, message: 'This action does not apply to the grant this link uses.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests: slow down and retry later.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side. The cause has been logged.' },
  SECRET_UNREADABLE: { status: 500, message: 'A stored secret of this link does not decrypt (it was altered, or sealed under a key this connector does not have): enter the client secret again, or authorize the link again.' },
  REMOTE_ERROR: { status: 502, message: 'The remote application refused or failed the request.' },
  TOKEN_UNAVAILABLE: { status: 503, message: 'No valid token right now: the remote\'s token endpoint is failing; refreshes are retried with back-off.' },
  NOT_READY: { status: 503, message: 'The service is not ready yet.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const API_ERROR_CODES = Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]];

export const ApiIssueSchema = z.object({
  path: z.string().describe('Where in the input the problem is, as a dotted path ("" for the whole body).'),
  message: z.string(),
});
export type ApiIssue = z.infer<typeof ApiIssueSchema>;

/** The error envelope every non-2xx response carries. */
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
    issues: z.array(ApiIssueSchema).optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;
