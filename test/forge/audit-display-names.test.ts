import type { Route } from '@forge/api';
import type { AuditPage, ForgeLinkView } from '../../contract';
import { jiraUserDirectory, NAME_TTL_MS } from '../../src/users/user-directory';
import { ADMIN, recordingLogger, startForgeApp, TestClock } from './helpers/forge-app';
import { LeakWatch } from '../helpers/leak-watch';

/**
 * The audit log shows who did what by display name, resolved through Jira's user API
 * (`/rest/api/3/user/bulk`) as the administrator reading it, and cached; when Jira cannot say,
 * the page still shows the account ID. Jira here is a requester that answers from a table and
 * records each path it was asked.
 */
const PEOPLE: Record<string, string> = { [ADMIN]: 'Ada Admin', '5b10ac8d82e05b22cc7d4ef5': 'Bob Builder' };

function fakeJira() {
  const asked: string[] = [];
  let failWith: number | Error | undefined;
  const requestJira = async (path: Route) => {
    asked.push(path.value);
    if (failWith instanceof Error) throw failWith;
    const url = new URL(path.value, 'https://site.atlassian.net');
    if (failWith !== undefined) return { status: failWith, json: async () => ({ errorMessages: ['down'] }) };
    const values = url.searchParams.getAll('accountId').flatMap((accountId) => (PEOPLE[accountId] === undefined ? [] : [{ accountId, displayName: PEOPLE[accountId], active: true }]));
    return { status: 200, json: async () => ({ startAt: 0, maxResults: values.length, total: values.length, isLast: true, values }) };
  };
  return { requestJira, asked, fail: (how: number | Error | undefined) => void (failWith = how) };
}

describe('display names of audit log actors', () => {
  it('asks Jira once for all accounts of a page, and serves them from the cache until the names expire', async () => {
    const clock = new TestClock();
    const jira = fakeJira();
    const users = jiraUserDirectory(jira.requestJira, { now: clock.now, logger: recordingLogger(new LeakWatch()) });
    const first = await users.displayNames([ADMIN, 'unknown-account', ADMIN, '5b10ac8d82e05b22cc7d4ef5']);
    expect(first).toEqual(new Map([[ADMIN, 'Ada Admin'], ['5b10ac8d82e05b22cc7d4ef5', 'Bob Builder']]));
    expect(jira.asked).toEqual([`/rest/api/3/user/bulk?maxResults=3&accountId=${ADMIN}&accountId=unknown-account&accountId=5b10ac8d82e05b22cc7d4ef5`]);

    // Cached, the unknown account included: no second call.
    expect(await users.displayNames([ADMIN, 'unknown-account'])).toEqual(new Map([[ADMIN, 'Ada Admin']]));
    expect(jira.asked).toHaveLength(1);

    clock.advance(NAME_TTL_MS / 1000 + 1);
    await users.displayNames([ADMIN]);
    expect(jira.asked).toHaveLength(2);
  });

  it('answers no names when Jira fails or throws, logs it, and asks again next time', async () => {
    const watch = new LeakWatch();
    const logger = recordingLogger(watch);
    const jira = fakeJira();
    const users = jiraUserDirectory(jira.requestJira, { now: () => new Date(), logger });
    jira.fail(500);
    expect(await users.displayNames([ADMIN])).toEqual(new Map());
    jira.fail(new Error('socket hang up'));
    expect(await users.displayNames([ADMIN])).toEqual(new Map());
    expect(logger.lines.map((l) => JSON.parse(l).message)).toEqual(['Jira did not give the display names of audit log actors', 'Could not ask Jira for display names']);
    jira.fail(undefined);
    expect(await users.displayNames([ADMIN])).toEqual(new Map([[ADMIN, 'Ada Admin']]));
    expect(jira.asked).toHaveLength(3);
  });

  it('listAuditLog answers each entry with its actor\'s display name, and null where Jira does not know the account', async () => {
    const jira = fakeJira();
    const app = startForgeApp({ users: jiraUserDirectory(jira.requestJira, { now: () => new Date(), logger: recordingLogger(new LeakWatch()) }) });
    const link = await app.call<ForgeLinkView>('createLink', { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' });
    await app.services.audit.record({ actorAccountId: 'gone-account', action: 'link.updated', linkId: link.id, linkName: 'Jira DC', changes: [] });
    const page = await app.call<AuditPage>('listAuditLog', {});
    expect(page.items.map((e) => [e.actorAccountId, e.actorDisplayName])).toEqual([
      ['gone-account', null],
      [ADMIN, 'Ada Admin'],
    ]);
    expect(jira.asked).toHaveLength(1);
  });

  it('answers null names when no directory is wired (the page then shows account IDs)', async () => {
    const app = startForgeApp();
    await app.call('createLink', { name: 'Jira DC', remoteKind: 'jira', applicationUrl: 'https://jira.example.com' });
    expect((await app.call<AuditPage>('listAuditLog', {})).items[0]).toMatchObject({ actorAccountId: ADMIN, actorDisplayName: null });
  });
});
