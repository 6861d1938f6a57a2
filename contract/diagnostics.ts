import { z } from 'zod';

/**
 * Test connection runs these stages in order; each reports one result. A stage that cannot run
 * because an earlier one failed is reported as `skip`, so the admin always sees the whole picture.
 */
export const DIAGNOSTIC_STAGES = [
  'url',
  'dns',
  'tcp',
  'tls',
  'manifest',
  'version',
  'clock',
  'credentials',
  'token',
  'api',
] as const;
export const DiagnosticStageSchema = z.enum(DIAGNOSTIC_STAGES);
export type DiagnosticStage = z.infer<typeof DiagnosticStageSchema>;

export const DIAGNOSTIC_STATUSES = ['pass', 'warn', 'fail', 'skip'] as const;
export type DiagnosticStatus = (typeof DIAGNOSTIC_STATUSES)[number];

/**
 * Stable diagnostic codes with the stage that reports them and the default hint: what to change,
 * and where. Codes are never renamed; the admin page and runbooks key on them.
 */
export const DIAGNOSTIC_CODES = {
  OK: { stage: null, hint: '' },
  SKIPPED: { stage: null, hint: 'An earlier stage failed; fix that first.' },
  URL_INVALID: { stage: 'url', hint: 'Enter the application URL as https://host[:port][/context], as it appears in the browser.' },
  URL_INSECURE: { stage: 'url', hint: 'Use https. Plain http is allowed only for hosts listed in CONNECTOR_ALLOWED_HOSTS.' },
  HOST_NOT_ALLOWED: {
    stage: 'url',
    hint: 'The connector only calls hosts of registered links and CONNECTOR_ALLOWED_HOSTS; private, loopback and link-local addresses need to be listed there explicitly.',
  },
  DNS_FAILED: { stage: 'dns', hint: 'The host name does not resolve from the connector\'s network. Check the spelling and the DNS the connector uses.' },
  CONNECTION_REFUSED: { stage: 'tcp', hint: 'Nothing listens on that port. Check that the application is running and the port is right.' },
  CONNECT_TIMEOUT: { stage: 'tcp', hint: 'The host did not answer in time. A firewall may drop the traffic: allow the connector to reach it.' },
  TLS_CERT_EXPIRED: { stage: 'tls', hint: 'The remote\'s certificate has expired: renew it on the remote\'s web server or load balancer.' },
  TLS_CERT_UNTRUSTED: {
    stage: 'tls',
    hint: 'The certificate is self-signed or issued by an unknown authority: install a publicly trusted certificate, or add the issuing CA to the connector\'s trust store (NODE_EXTRA_CA_CERTS).',
  },
  TLS_HOSTNAME_MISMATCH: { stage: 'tls', hint: 'The certificate does not name this host: use the host name the certificate was issued for.' },
  TLS_FAILED: { stage: 'tls', hint: 'The TLS handshake failed: check the remote\'s TLS configuration.' },
  NOT_ATLASSIAN: { stage: 'manifest', hint: 'No Atlassian application answers at this URL: check the URL and its context path (for example /jira).' },
  URL_REDIRECTED: { stage: 'manifest', hint: 'The URL redirects: use the address it redirects to as the application URL.' },
  KIND_MISMATCH: { stage: 'manifest', hint: 'The application at this URL is a different product than the link says: fix the link\'s kind or URL.' },
  VERSION_UNSUPPORTED: { stage: 'version', hint: 'This version has no OAuth 2.0 application links: upgrade the remote to the minimum version or later.' },
  DISPLAY_URL_MISMATCH: {
    stage: 'version',
    hint: 'The remote\'s base URL (display URL) differs from the URL given: confirm which one users reach, and set the remote\'s base URL to match.',
  },
  CLOCK_SKEW: { stage: 'clock', hint: 'The clocks of the connector and the remote differ: enable NTP on both hosts.' },
  CREDENTIALS_MISSING: { stage: 'credentials', hint: 'Enter the client ID and secret that the remote\'s incoming link shows.' },
  INVALID_CLIENT: {
    stage: 'credentials',
    hint: 'The remote rejected the client ID or secret: copy both again from the remote\'s incoming link (the secret may have been regenerated or expired).',
  },
  REDIRECT_URI_MISMATCH: {
    stage: 'credentials',
    hint: 'The remote does not know the connector\'s redirect URI: register exactly this URI in the remote\'s incoming link.',
  },
  INVALID_SCOPE: { stage: 'credentials', hint: 'The remote refused a requested scope: request only scopes the remote\'s incoming link allows.' },
  NEEDS_AUTHORIZATION: { stage: 'token', hint: 'No token yet: select Authorize and sign in to the remote with the account the link should use.' },
  INVALID_GRANT: {
    stage: 'token',
    hint: 'The refresh token was revoked, expired or already used: authorize the link again.',
  },
  TOKEN_ENDPOINT_ERROR: { stage: 'token', hint: 'The remote\'s token endpoint answered with an error: check the remote\'s logs.' },
  TOKEN_REJECTED: { stage: 'api', hint: 'The remote rejected the access token: authorize the link again, and check that the account is active.' },
  INSUFFICIENT_SCOPE: { stage: 'api', hint: 'The token lacks the scope this call needs: add the scope in the remote\'s incoming link and authorize again.' },
  API_ERROR: { stage: 'api', hint: 'The remote\'s API answered with an error: check the remote\'s logs.' },
  BITBUCKET_WORKSPACE_MISSING: {
    stage: 'api',
    hint: 'Enter the Bitbucket Cloud workspace ID on the link (the part after bitbucket.org/), so the test can check the consumer\'s access to it.',
  },
  BITBUCKET_NOT_WORKSPACE_MEMBER: {
    stage: 'api',
    hint: 'The consumer\'s owner is not a member of this workspace: check the workspace ID, or create the consumer in that workspace (Workspace settings > OAuth consumers) as one of its administrators.',
  },
  BITBUCKET_PERMISSIONS_MISSING: {
    stage: 'api',
    hint: 'In Bitbucket Cloud, Workspace settings > OAuth consumers > More actions (...) > Edit: select the permissions named, save, then select Connect here again (a token keeps the permissions it was issued with).',
  },
  SERVICE_ACCOUNTS_UNSUPPORTED: {
    stage: 'version',
    hint: 'This version has no service accounts: upgrade the remote, or use an incoming link and authorize the link as an account instead.',
  },
  TIMEOUT: { stage: null, hint: 'The stage took too long: check the remote\'s load and the network between it and the connector.' },
} as const satisfies Record<string, { stage: DiagnosticStage | null; hint: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
export const DiagnosticCodeSchema = z.enum(Object.keys(DIAGNOSTIC_CODES) as [DiagnosticCode, ...DiagnosticCode[]]);

export const DiagnosticResultSchema = z.object({
  stage: DiagnosticStageSchema,
  status: z.enum(DIAGNOSTIC_STATUSES),
  code: DiagnosticCodeSchema,
  message: z.string(),
  hint: z.string(),
  ms: z.number().nonnegative(),
  /**
   * The tls stage only: when the remote's certificate expires (UTC, ISO 8601), as read during the
   * handshake. Only the date: the certificate itself is never carried.
   */
  certificateValidTo: z.string().optional(),
});
export type DiagnosticResult = z.infer<typeof DiagnosticResultSchema>;

export const TestConnectionResultSchema = z.object({
  ok: z.boolean(),
  testedAt: z.string(),
  stages: z.array(DiagnosticResultSchema),
});
export type TestConnectionResult = z.infer<typeof TestConnectionResultSchema>;
