/**
 * What the preview serves around the admin page: a frame like Jira's admin (top bar, settings
 * sidebar, the app in an iframe), and the bridge shim the page loads before `@forge/bridge`.
 */

import type { PreviewSurface } from './surfaces';
import { PREVIEW_USERS, type PreviewUser } from './users';

export function framePage(options: { surface: PreviewSurface; user: PreviewUser; theme: 'light' | 'dark'; connectorUrl: string; route?: string | null }): string {
  const { surface, user } = options;
  const title = surface.title;
  // `route`: the path inside the app's page (Forge's history location), kept when the account or theme changes.
  const route: Record<string, string> = options.route === null || options.route === undefined ? {} : { route: options.route };
  const query = (changes: { theme?: string; as?: string }): string =>
    `?${new URLSearchParams({ module: surface.moduleKey, as: changes.as ?? user.key, theme: changes.theme ?? options.theme, ...route }).toString()}`.replace(/&/g, '&amp;');
  const users = PREVIEW_USERS.map((u) => `<a href="${query({ as: u.key })}" aria-current="${u.key === user.key ? 'page' : 'false'}">${u.displayName}</a>`).join(' / ');
  const sidebar =
    surface.extensionType === 'jira:adminPage'
      ? `<aside aria-label="Jira settings"><h2>Apps</h2>${jiraPage('Explore more apps')}${jiraPage('Manage your apps')}
  <h2>Integrations</h2><div class="current" aria-current="page">${title}</div>${jiraPage('Application links (legacy)')}</aside>`
      : `<aside aria-label="${surface.place}"><h2>${surface.place}</h2><div class="current" aria-current="page">${title}</div></aside>`;
  const dark = options.theme === 'dark';
  const bg = dark ? '#1d2125' : '#ffffff';
  const side = dark ? '#161a1d' : '#f7f8f9';
  const text = dark ? '#b6c2cf' : '#172b4d';
  const border = dark ? '#a6c5e229' : '#091e4224';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} – Jira (local preview)</title>
<style>
  body{margin:0;font:14px/20px -apple-system,"Segoe UI",Roboto,sans-serif;background:${bg};color:${text};display:grid;grid-template-rows:48px 1fr;grid-template-columns:240px 1fr;height:100vh}
  header{grid-column:1/3;display:flex;align-items:center;gap:16px;padding:0 16px;border-bottom:1px solid ${border}}
  header strong{font-size:16px}
  header .preview{margin-left:auto;font-size:12px;opacity:.8}
  header a{color:inherit}
  aside{background:${side};border-right:1px solid ${border};padding:16px;font-size:13px}
  aside h2{font-size:11px;text-transform:uppercase;margin:16px 0 8px;opacity:.7}
  aside div{padding:6px 8px;border-radius:3px}
  aside div.jira-page{opacity:.6;cursor:not-allowed}
  aside div.jira-page small{display:block;font-size:11px}
  aside div.current{background:${dark ? '#1c2b41' : '#e9f2ff'};color:${dark ? '#579dff' : '#0c66e4'};font-weight:600}
  iframe{border:0;width:100%;height:100%;background:${bg}}
</style></head>
<body>
<header><strong>Jira</strong><span>${surface.place}</span>
  <span class="preview">Local preview · connector <code>${options.connectorUrl}</code> · signed in as: ${users} · theme:
    <a href="${query({ theme: 'light' })}" aria-current="${dark ? 'false' : 'page'}">light</a> / <a href="${query({ theme: 'dark' })}" aria-current="${dark ? 'page' : 'false'}">dark</a></span></header>
${sidebar}
<iframe id="forge-app" title="${title}" src="/app/index.html${query({})}"></iframe>
</body></html>`;
}

/**
 * A sidebar entry that is Jira's own page, drawn so the frame looks like Jira's settings: the
 * preview does not have it, and says so instead of offering an entry that does nothing when clicked.
 */
function jiraPage(label: string): string {
  return `<div class="jira-page" aria-disabled="true" title="${label} is Jira's own page, not part of this app: it is not in the local preview">${label}<small>Jira's own page · not in the preview</small></div>`;
}

/**
 * Defines \`globalThis.__bridge\` before the page's modules run, as Forge's host does; \`invoke\`
 * goes to the preview server, which runs it through the real resolver handler.
 */
export const BRIDGE_SHIM = `(() => {
  const search = new URLSearchParams(location.search);
  const theme = search.get('theme') === 'dark' ? 'dark' : 'light';
  // The module and the account this frame shows, for every call the page makes.
  const as = '?' + new URLSearchParams({ module: search.get('module') ?? '', as: search.get('as') ?? '' }).toString();
  const json = async (response) => { if (!response.ok && response.status !== 200) throw new Error('preview server answered ' + response.status); return response.json(); };
  globalThis.__bridge = {
    callBridge: async (type, payload) => {
      switch (type) {
        case 'invoke':
          return json(await fetch('/__preview/invoke' + as, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionKey: payload.functionKey, payload: payload.payload ?? {} }) }));
        case 'getContext':
          return json(await fetch('/__preview/context' + as));
        case 'createHistory': {
          // Forge's history of a full-page module: the path inside the app's page.
          const history = { location: { pathname: search.get('route') ?? '/', search: '', hash: '', state: null }, listen: () => () => undefined, push: () => undefined, replace: () => undefined };
          return history;
        }
        case 'enableTheming':
          document.documentElement.setAttribute('data-color-mode', theme);
          document.documentElement.setAttribute('data-theme', theme + ':' + theme + ' spacing:spacing typography:typography');
          return undefined;
        case 'navigate':
          if (payload.type === 'new-tab') window.open(payload.url, '_blank', 'noopener');
          else window.top.location.href = payload.url;
          return true;
        default:
          console.warn('preview bridge: ' + type + ' is not emulated');
          return undefined;
      }
    },
  };
})();`;
