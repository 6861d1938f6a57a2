import type { Route } from '@forge/api';
import type { JiraRequester } from '../src/permissions/jira-admin-check';

/**
 * The preview's stand-in for Jira's user API, as `adminCheck` is its stand-in for Jira's permission
 * check: `GET /rest/api/3/user/bulk?accountId=…` answered from a table of the preview's people, in
 * Jira's shape, so the app's real user directory (src/users/user-directory.ts) runs unchanged.
 * Any other path is a 404, as an API the preview does not have.
 */
export function previewJiraUsers(people: Readonly<Record<string, string>>): JiraRequester {
  return async (path: Route) => {
    const url = new URL(path.value, 'https://preview.atlassian.net');
    if (url.pathname !== '/rest/api/3/user/bulk') return { status: 404, json: async () => ({ errorMessages: [`The preview has no ${url.pathname}`] }) };
    const values = url.searchParams
      .getAll('accountId')
      .flatMap((accountId) => (people[accountId] === undefined ? [] : [{ accountId, accountType: 'atlassian', displayName: people[accountId], active: true }]));
    return { status: 200, json: async () => ({ self: url.toString(), maxResults: values.length, startAt: 0, total: values.length, isLast: true, values }) };
  };
}
