import type { ConsentPage } from '../incoming/authorize-endpoint';
import { errorFields, type Logger } from '../logger';
import type { KeyValueStore } from '../storage/key-value-store';

const SITE_URL_KEY = 'settings:site-url';

/**
 * The consent surface in Jira: the app's `jira:globalPage`, at
 * `{site}/jira/apps/{appId}/{environmentId}/consent/{requestId}`. Web triggers are anonymous and
 * know neither the site's URL nor a user, so the URL is built from the app's context (app and
 * environment ids) and the site URL that the resolvers note when any page of the app is opened.
 */
export function forgeConsentPage(deps: { store: KeyValueStore; appContext: () => { appAri: unknown; environmentAri: unknown }; logger: Logger }): ConsentPage & { noteSite(siteUrl: string): Promise<void> } {
  let known: string | undefined;
  return {
    async url(requestId) {
      const site = known ?? (await deps.store.get(SITE_URL_KEY));
      if (typeof site !== 'string') return null;
      const context = deps.appContext();
      const appId = /app\/([0-9a-f-]+)/.exec(String(context.appAri))?.[1];
      const environmentId = /environment\/[0-9a-f-]+\/([0-9a-f-]+)/.exec(String(context.environmentAri))?.[1];
      if (appId === undefined || environmentId === undefined) return null;
      return `${site.replace(/\/+$/, '')}/jira/apps/${appId}/${environmentId}/consent/${encodeURIComponent(requestId)}`;
    },
    async noteSite(siteUrl) {
      if (known === siteUrl || !/^https:\/\/[^/]+$/.test(siteUrl)) return;
      try {
        if ((await deps.store.get(SITE_URL_KEY)) !== siteUrl) await deps.store.set(SITE_URL_KEY, siteUrl);
        known = siteUrl;
      } catch (error) {
        deps.logger.warn('Could not note the site URL', errorFields(error));
      }
    },
  };
}
