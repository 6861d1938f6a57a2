import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The preview's Atlassian accounts: one site administrator and three ordinary users, so that
 * pages ordinary users reach (per-user connections, consent) can be tried as several people. A
 * page picks its user with `?as=<key>`; the administrator is the default.
 */
export interface PreviewUser {
  key: string;
  accountId: string;
  displayName: string;
  /** Holds Jira's Administer global permission. */
  admin: boolean;
}

export const PREVIEW_ADMIN_ACCOUNT_ID = '712020:preview-admin-0000-0000-000000000000';

export const PREVIEW_USERS: readonly PreviewUser[] = [
  { key: 'admin', accountId: PREVIEW_ADMIN_ACCOUNT_ID, displayName: 'Preview Admin', admin: true },
  { key: 'alice', accountId: '712020:preview-user-alice-0000-000000000001', displayName: 'Alice Example', admin: false },
  { key: 'bob', accountId: '712020:preview-user-bob-00000-000000000002', displayName: 'Bob Example', admin: false },
  { key: 'carol', accountId: '712020:preview-user-carol-0000-000000000003', displayName: 'Carol Example', admin: false },
];

/** The user named by `key`; the administrator for a missing key, undefined for an unknown one. */
export function previewUser(key: string | null | undefined): PreviewUser | undefined {
  if (key === null || key === undefined || key === '') return PREVIEW_USERS[0];
  return PREVIEW_USERS.find((user) => user.key === key);
}

/**
 * Who is calling, for the length of one resolver invocation: Forge's `asUser()` and the
 * invocation token's principal both follow the invoking user, and so do the preview's stand-ins.
 */
export const invokingUser = new AsyncLocalStorage<PreviewUser>();

export function currentPreviewUser(): PreviewUser {
  return invokingUser.getStore() ?? PREVIEW_USERS[0]!;
}
