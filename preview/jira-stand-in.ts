import type { JiraRequester, JiraResponse } from '../src/incoming/jira-gateway';

/**
 * A small stand-in for the Jira Cloud REST calls the gateway makes in the preview and in tests
 * (the Forge platform, and `asApp().requestJira` with it, cannot run here). It answers as the app
 * would be answered: `myself` is the app's account, issues are created in project DEMO, and
 * `application-properties` stands for an administrator's call. Every call is kept, headers
 * included, so tests can see exactly what reached "Jira".
 */
export interface JiraCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export const APP_ACCOUNT = { accountId: '557058:preview-app-account-0000', accountType: 'app', displayName: 'OAuth 2.0 application links', active: true };

export function jiraStandIn(): JiraRequester & { calls: JiraCall[]; issues: { id: string; key: string; summary: string }[] } {
  const calls: JiraCall[] = [];
  const issues: { id: string; key: string; summary: string }[] = [];
  const requester = async (path: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<JiraResponse> => {
    calls.push({ method: init.method, path, headers: { ...init.headers }, body: init.body });
    const route = path.split('?')[0] ?? '';
    if (init.method === 'GET' && /^\/rest\/api\/[23]\/myself$/.test(route)) return json(200, APP_ACCOUNT);
    if (init.method === 'POST' && /^\/rest\/api\/[23]\/issue$/.test(route)) {
      const fields = (JSON.parse(init.body ?? '{}') as { fields?: { summary?: unknown; project?: { key?: unknown } } }).fields;
      if (typeof fields?.summary !== 'string' || fields.project?.key !== 'DEMO') return json(400, { errorMessages: [], errors: { project: 'Specify project DEMO and a summary.' } });
      const id = String(10000 + issues.length);
      const issue = { id, key: `DEMO-${issues.length + 1}`, summary: fields.summary };
      issues.push(issue);
      return json(201, { id, key: issue.key, self: `https://preview.atlassian.net/rest/api/3/issue/${id}` });
    }
    const found = /^\/rest\/api\/[23]\/issue\/([A-Z]+-\d+)$/.exec(route);
    if (init.method === 'GET' && found !== null) {
      const issue = issues.find((i) => i.key === found[1]);
      return issue === undefined ? json(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] }) : json(200, { id: issue.id, key: issue.key, fields: { summary: issue.summary } });
    }
    if (init.method === 'GET' && /^\/rest\/api\/[23]\/application-properties$/.test(route)) return json(200, [{ id: 'jira.title', key: 'jira.title', value: 'Preview Jira' }]);
    return json(404, { errorMessages: [`The preview's Jira stand-in does not serve ${init.method} ${route}.`] });
  };
  return Object.assign(requester, { calls, issues });
}

function json(status: number, body: unknown): JiraResponse {
  const text = JSON.stringify(body);
  return { status, headers: { get: (name) => (name.toLowerCase() === 'content-type' ? 'application/json;charset=UTF-8' : null) }, text: async () => text };
}
