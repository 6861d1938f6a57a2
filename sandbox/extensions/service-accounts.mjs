/**
 * Data Center service accounts in the sandbox: `POST {context}/rest/sandbox/service-accounts` with
 * a JSON body `{ name?, scopes?: [...], expiresAt?: ISO date or timestamp }` creates one and answers
 * 201 `{ name, clientId, clientSecret, scopes, expiresAt }`, the one time the secret is shown. The
 * account is an OAuth 2.0 client of the sandbox's provider that may only use the client-credentials
 * grant at `{context}/rest/oauth2/latest/token` (secret in the body, as Data Center takes it): no
 * refresh token, one-hour access tokens, and a credential that stops working when it expires
 * (`client_secret_expires_at`: the token endpoint then answers `invalid_client`).
 *
 * As in Data Center, only versions that have service accounts offer them (the minimum versions of
 * contract/service-accounts.ts, repeated here because the sandbox is plain JavaScript); Jira's
 * service accounts hold READ and WRITE only. This route is the sandbox's stand-in for the product's
 * administration page: it has no authentication, like the sandbox's sign-in page, and listens on
 * loopback only. It never logs the secret.
 */
import { randomBytes } from 'node:crypto';

const MINIMUM_VERSION = { jira: '11.3', confluence: '10.2', bitbucket: '10.2', bamboo: '12.0', crowd: '7.1' };
const ALLOWED_SCOPES = { jira: ['READ', 'WRITE'] };
const MAX_BODY = 16 * 1024;

function compareVersions(a, b) {
  const pa = String(a).split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = String(b).split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0) ? -1 : 1;
  }
  return 0;
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

export function serviceAccounts(api) {
  const json = (res, status, body) => api.send(res, status, 'application/json', JSON.stringify(body));
  return async (req, res, path) => {
    if (req.method !== 'POST' || path !== `${api.settings.contextPath ?? ''}/rest/sandbox/service-accounts`) return false;
    const kind = api.settings.manifest?.kind ?? 'jira';
    const version = api.settings.manifest?.version ?? api.kind().version;
    const minimum = MINIMUM_VERSION[kind];
    // A version without service accounts has no such page: answer as it would, 404.
    if (minimum === undefined || compareVersions(version, minimum) < 0) {
      json(res, 404, { errors: [{ message: `${api.kind().name} ${version} has no service accounts (they need ${minimum ?? 'a newer version'}).` }] });
      return true;
    }
    const body = await readJson(req);
    if (body === undefined) {
      json(res, 400, { errors: [{ message: 'Send a JSON object: { name?, scopes?, expiresAt? }.' }] });
      return true;
    }
    const scopes = Array.isArray(body.scopes) && body.scopes.length > 0 ? body.scopes.map(String) : ['READ'];
    const refused = scopes.filter((s) => ALLOWED_SCOPES[kind] !== undefined && !ALLOWED_SCOPES[kind].includes(s));
    if (refused.length > 0) {
      json(res, 400, { errors: [{ message: `A service account cannot hold ${refused.join(', ')}; it may hold ${ALLOWED_SCOPES[kind].join(', ')}.` }] });
      return true;
    }
    const expiresAt = typeof body.expiresAt === 'string' ? Date.parse(body.expiresAt.length === 10 ? `${body.expiresAt}T23:59:59Z` : body.expiresAt) : Number.NaN;
    if (body.expiresAt !== undefined && body.expiresAt !== null && Number.isNaN(expiresAt)) {
      json(res, 400, { errors: [{ message: 'expiresAt must be a date (YYYY-MM-DD) or an ISO timestamp.' }] });
      return true;
    }
    const clientId = `service-${randomBytes(6).toString('hex')}`;
    const clientSecret = randomBytes(24).toString('base64url');
    await api.provider.Client.adapter.upsert(clientId, {
      client_id: clientId,
      client_secret: clientSecret,
      client_name: typeof body.name === 'string' ? body.name.slice(0, 100) : clientId,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: scopes.join(' '),
      client_secret_expires_at: Number.isNaN(expiresAt) ? 0 : Math.floor(expiresAt / 1000),
    });
    json(res, 201, {
      name: typeof body.name === 'string' ? body.name.slice(0, 100) : clientId,
      clientId,
      clientSecret,
      scopes,
      expiresAt: Number.isNaN(expiresAt) ? null : new Date(expiresAt).toISOString(),
    });
    return true;
  };
}
