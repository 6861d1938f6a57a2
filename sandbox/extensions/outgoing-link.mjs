/**
 * The sandbox Data Center's outgoing link to an external application (seed 003's custom-provider
 * form): what a Data Center admin fills in to let this Data Center call another OAuth 2.0 provider,
 * here the Jira Cloud side of an application link. Plain HTML forms, no script:
 *
 * - `GET  {context}/plugins/servlet/applinks/outgoing`: the form (client ID, client secret,
 *   authorization endpoint, token endpoint, scopes, and the Jira REST gateway URL), then the
 *   link's status, its Redirect URL to register on the other side, and the buttons below;
 * - `POST .../outgoing` saves the form; `POST .../outgoing/connect` sends the browser to the
 *   authorization endpoint (state and PKCE S256, as Data Center does);
 * - `GET  {context}/rest/oauth2-client/latest/callback`: the Redirect URL; redeems the code at the
 *   token endpoint (client secret in the form body, redirect URI sent again) and keeps the tokens;
 * - `POST .../outgoing/call` calls the gateway with the access token (refreshing it first when it
 *   expired); `POST .../outgoing/refresh` refreshes now. Each shows its result on the status page.
 *
 * Tokens and the client secret stay in this process's memory and are never printed; the status page
 * shows the secret's last four characters only.
 */
import { createHash, randomBytes } from 'node:crypto';

const PAGE = '/plugins/servlet/applinks/outgoing';
const CALLBACK = '/rest/oauth2-client/latest/callback';

export function outgoingLinkExtension(api) {
  /** One outgoing link (the sandbox needs no more). */
  let link = null;
  /** What the status page reports: the last connect, call and refresh. */
  const results = { connect: null, call: null, refresh: null };
  const context = () => api.settings.contextPath ?? '';
  const redirectUrl = () => `${api.base()}${CALLBACK}`;
  const html = (res, status, body) => api.send(res, status, 'text/html; charset=utf-8', page(body), { 'cache-control': 'no-store' });
  const back = (res) => api.send(res, 303, 'text/plain', '', { location: `${api.base()}${PAGE}` });

  async function tokenRequest(params) {
    const response = await fetch(link.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...params, client_id: link.clientId, client_secret: link.clientSecret }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || typeof body.access_token !== 'string') return { ok: false, status: response.status, error: String(body.error ?? 'no_token'), description: String(body.error_description ?? '') };
    // Refresh tokens rotate: keep the new one, or the old one when a response omits it.
    link.tokens = { access: body.access_token, refresh: body.refresh_token ?? link.tokens?.refresh ?? null, expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000, scope: String(body.scope ?? '') };
    return { ok: true, status: response.status, scope: link.tokens.scope };
  }

  const refresh = () => tokenRequest({ grant_type: 'refresh_token', refresh_token: link.tokens.refresh, redirect_uri: redirectUrl() });

  return async (req, res, path) => {
    const at = (suffix) => path === `${context()}${suffix}`;
    if (req.method === 'GET' && at(PAGE)) {
      html(res, 200, statusPage(link, results, redirectUrl(), context()));
      return true;
    }
    if (req.method === 'POST' && at(PAGE)) {
      const form = await api.readForm(req);
      const field = (name) => String(form[name] ?? '').trim();
      link = {
        name: field('name') || 'Jira Cloud',
        clientId: field('clientId'),
        clientSecret: field('clientSecret') || link?.clientSecret || '',
        authorizationEndpoint: field('authorizationEndpoint'),
        tokenEndpoint: field('tokenEndpoint'),
        gatewayUrl: field('gatewayUrl'),
        scopes: field('scopes') || 'READ',
        tokens: null,
        pending: null,
      };
      results.connect = results.call = results.refresh = null;
      back(res);
      return true;
    }
    if (req.method === 'POST' && at(`${PAGE}/connect`) && link !== null) {
      await api.readForm(req);
      const verifier = randomBytes(32).toString('base64url');
      link.pending = { state: randomBytes(16).toString('base64url'), verifier };
      const url = new URL(link.authorizationEndpoint);
      for (const [k, v] of Object.entries({
        response_type: 'code',
        client_id: link.clientId,
        redirect_uri: redirectUrl(),
        scope: link.scopes,
        state: link.pending.state,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      })) url.searchParams.set(k, v);
      api.send(res, 302, 'text/plain', '', { location: url.toString() });
      return true;
    }
    if (req.method === 'GET' && at(CALLBACK)) {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      if (link?.pending == null || query.get('state') !== link.pending.state) {
        results.connect = { ok: false, error: 'state_mismatch', description: 'The callback does not answer a Connect started here.' };
      } else if (query.get('error') !== null) {
        results.connect = { ok: false, error: query.get('error'), description: query.get('error_description') ?? '' };
      } else {
        results.connect = await tokenRequest({ grant_type: 'authorization_code', code: query.get('code') ?? '', redirect_uri: redirectUrl(), code_verifier: link.pending.verifier });
      }
      if (link !== null) link.pending = null;
      back(res);
      return true;
    }
    if (req.method === 'POST' && at(`${PAGE}/refresh`) && link?.tokens != null) {
      await api.readForm(req);
      results.refresh = await refresh();
      back(res);
      return true;
    }
    if (req.method === 'POST' && at(`${PAGE}/call`) && link?.tokens != null) {
      const form = await api.readForm(req);
      if (Date.now() >= link.tokens.expiresAt - 60_000) results.refresh = await refresh();
      const method = String(form.method ?? 'GET').toUpperCase();
      const body = String(form.body ?? '');
      const response = await fetch(`${link.gatewayUrl}${String(form.path ?? '')}`, {
        method,
        headers: { authorization: `Bearer ${link.tokens.access}`, accept: 'application/json', ...(body === '' ? {} : { 'content-type': 'application/json' }) },
        ...(body === '' ? {} : { body }),
        signal: AbortSignal.timeout(10_000),
      });
      results.call = { method, path: String(form.path ?? ''), status: response.status, challenge: response.headers.get('www-authenticate'), body: (await response.text()).slice(0, 2000) };
      back(res);
      return true;
    }
    return false;
  };
}

function escape(value) {
  return String(value ?? '').replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c]);
}

function page(body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Application links - Outgoing (sandbox Data Center)</title></head><body><h1>Application links: outgoing link to an external application</h1>${body}</body></html>`;
}

function input(name, label, value, type = 'text') {
  return `<p><label>${label} <input name="${name}" type="${type}" value="${type === 'password' ? '' : escape(value)}" size="80"></label></p>`;
}

function result(id, r) {
  if (r === null) return `<p data-result="${id}" data-ok="">not yet</p>`;
  const text = r.ok === true ? `ok (${r.status}${r.scope ? `, scope ${escape(r.scope)}` : ''})` : r.ok === false ? `refused: ${escape(r.error)} ${escape(r.description)}` : `${r.status} ${escape(r.challenge ?? '')} ${escape(r.body)}`;
  return `<p data-result="${id}" data-ok="${r.ok === undefined ? '' : String(r.ok)}" data-status="${escape(r.status ?? '')}">${text}</p>`;
}

function statusPage(link, results, redirect, context) {
  const form = `<form method="post" action="${context}${PAGE}" aria-label="Outgoing link">
  <p>Provider: Custom. Redirect URL to register in the external application: <code data-value="redirect-url">${escape(redirect)}</code></p>
  ${input('name', 'Name', link?.name ?? 'Jira Cloud')}
  ${input('clientId', 'Client ID', link?.clientId)}
  ${input('clientSecret', 'Client secret', '', 'password')}
  ${input('authorizationEndpoint', 'Authorization endpoint', link?.authorizationEndpoint)}
  ${input('tokenEndpoint', 'Token endpoint', link?.tokenEndpoint)}
  ${input('scopes', 'Scopes', link?.scopes ?? 'WRITE')}
  ${input('gatewayUrl', 'Jira REST gateway URL', link?.gatewayUrl)}
  <p><button type="submit">Save</button></p></form>`;
  if (link === null) return form;
  const secret = link.clientSecret === '' ? 'none' : `ends in ${escape(link.clientSecret.slice(-4))}`;
  return `${form}
<h2>Status</h2><p data-value="status">${link.tokens === null ? 'Not connected' : 'Connected'}</p><p>Client secret: ${secret}</p>
<form method="post" action="${context}${PAGE}/connect"><button type="submit">Connect</button></form>
<h3>Connect</h3>${result('connect', results.connect)}
<form method="post" action="${context}${PAGE}/call" aria-label="Call Jira Cloud">
  <p><label>Method <select name="method"><option>GET</option><option>POST</option><option>PUT</option><option>DELETE</option></select></label>
  <label>Path <input name="path" value="/rest/api/3/myself" size="60"></label></p>
  <p><label>Body <textarea name="body" rows="3" cols="80"></textarea></label></p>
  <p><button type="submit">Call</button></p></form>
<h3>Last call</h3>${result('call', results.call)}
<form method="post" action="${context}${PAGE}/refresh"><button type="submit">Refresh token now</button></form>
<h3>Last refresh</h3>${result('refresh', results.refresh)}`;
}
