#!/usr/bin/env node
/**
 * Starts the sandbox Data Center on its own, to try the connector by hand:
 *
 *   node sandbox/start.mjs [--kind jira] [--version 11.2.0] [--display-url URL] [--skew-seconds 300]
 *                          [--port 0] [--context /jira] [--redirect-uri http://127.0.0.1:8787/oauth/callback]
 *
 * It prints its URL and one client (ID and secret, generated at start) to paste into a link, with
 * the redirect URI it accepts (the connector's callback), and a service account (client credentials,
 * expiring in 90 days) when the version has them. Sign in on its login page with any name.
 * Stop it with Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const USAGE = `Usage: node sandbox/start.mjs [options]

Starts a local stand-in for a Data Center product: its applinks manifest, an OAuth 2.0 provider at
{context}/rest/oauth2/latest/{authorize,token,revoke}, a sign-in page (any name) and one protected API.
Prints its URL and a client ID and secret generated for this run.

Options:
  --kind KIND            jira | confluence | bitbucket | bamboo | crowd (default jira)
  --version VERSION      the version the manifest reports (default: the kind's first with OAuth 2.0 links)
  --display-url URL      a display URL that differs from the base URL
  --skew-seconds N       the clock skew its Date header shows (default 0)
  --port N               the port to listen on (default 0: a free one)
  --context PATH         a context path such as /jira (default none)
  --redirect-uri URL     the redirect URI its client accepts (default http://127.0.0.1:8787/oauth/callback)
  -h, --help             print this and exit
`;

const OPTIONS = {
  kind: { type: 'string', default: 'jira' },
  version: { type: 'string' },
  'display-url': { type: 'string' },
  'skew-seconds': { type: 'string', default: '0' },
  port: { type: 'string', default: '0' },
  context: { type: 'string', default: '' },
  'redirect-uri': { type: 'string', default: 'http://127.0.0.1:8787/oauth/callback' },
  help: { type: 'boolean', short: 'h', default: false },
};

let values;
try {
  ({ values } = parseArgs({ options: OPTIONS }));
} catch (error) {
  // An unknown or malformed option: say which, then how to call it, instead of a stack trace.
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

// Loaded after the options are read: --help answers at once, without starting oidc-provider.
const { startDcServer } = await import('./dc-server.mjs');
const context = values.context.replace(/\/+$/, '');
// By default a version that has service accounts, so that one is printed; --version picks another.
const SERVICE_ACCOUNT_VERSIONS = { jira: '11.3.0', confluence: '10.2.0', bitbucket: '10.2.0' };
const version = values.version ?? SERVICE_ACCOUNT_VERSIONS[values.kind];
const client = { client_id: `sandbox-${randomBytes(4).toString('hex')}`, client_secret: randomBytes(24).toString('base64url') };
const dc = await startDcServer({
  port: Number(values.port),
  routes: {
    authorization: `${context}/rest/oauth2/latest/authorize`,
    token: `${context}/rest/oauth2/latest/token`,
    revocation: `${context}/rest/oauth2/latest/revoke`,
    introspection: `${context}/rest/oauth2/latest/introspect`,
  },
  scopes: ['openid', 'offline_access', 'READ', 'WRITE', 'ADMIN', 'SYSTEM_ADMIN'],
  clients: [
    {
      ...client,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [values['redirect-uri']],
      scope: 'READ WRITE ADMIN SYSTEM_ADMIN',
    },
  ],
  sandbox: {
    contextPath: context,
    manifest: { kind: values.kind, ...(version ? { version } : {}), ...(values['display-url'] ? { displayUrl: values['display-url'] } : {}) },
    dateSkewMs: Number(values['skew-seconds']) * 1000,
  },
});

// A service account, made through the sandbox's own route (sandbox/extensions/service-accounts.mjs).
const created = await fetch(`${dc.baseUrl()}/rest/sandbox/service-accounts`, {
  method: 'POST',
  body: JSON.stringify({ name: 'sandbox-service-account', scopes: ['READ'], expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10) }),
});
const serviceAccount = created.status === 201 ? await created.json() : null;
process.stdout.write(
  [
    `Sandbox ${values.kind} Data Center listening on ${dc.baseUrl()}`,
    `  manifest:      ${dc.baseUrl()}/rest/applinks/1.0/manifest`,
    `  client ID:     ${client.client_id}`,
    `  client secret: ${client.client_secret}   (generated for this run only)`,
    `  redirect URI:  ${values['redirect-uri']}`,
    `  outgoing link: ${dc.baseUrl()}/plugins/servlet/applinks/outgoing   (this Data Center calling Jira Cloud: enter the cloud side's client ID, secret and endpoints)`,
    serviceAccount === null
      ? '  service account: none (this version has no service accounts)'
      : `  service account: client ID ${serviceAccount.clientId}, secret ${serviceAccount.clientSecret}, scopes ${serviceAccount.scopes.join(' ')}, expires ${serviceAccount.expiresAt}`,
    '',
  ].join('\n'),
);
const stop = () => dc.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
