/** Records, waits and assertions shared by the storage conformance suite's files. */
import {
  type AuthStateRecord,
  type ConsumerRecord,
  type LinkRecord,
  type SealedSecret,
  type Store,
  StoreError,
  type StoreErrorCode,
  type TokenRecord,
  type TokenSecrets,
  type VaultKeyRow,
} from '../../../connector/src/storage';

export const T0 = Date.parse('2025-03-01T10:00:00.000Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

export function link(id: string, createdAt = at(0), changes: Partial<LinkRecord> = {}): LinkRecord {
  return {
    id,
    name: `Link ${id}`,
    remoteKind: 'jira',
    applicationUrl: 'https://jira.example.com/',
    displayUrl: null,
    authKind: 'oauth2',
    status: 'needs-authorization',
    statusReason: null,
    outgoing: {
      clientId: 'client-1',
      clientSecretSetAt: createdAt,
      clientSecretLast4: 'wxyz',
      scopes: ['READ', 'WRITE'],
      authorizationEndpoint: 'https://jira.example.com/rest/oauth2/latest/authorize',
      tokenEndpoint: 'https://jira.example.com/rest/oauth2/latest/token',
      revocationEndpoint: null,
      apiProbeUrl: null,
      tenant: null,
      grantType: 'authorization_code',
      secretExpiresAt: null,
      clientAuth: null,
      workspace: null,
      pkce: null,
      authorizeParams: null,
    },
    checkIntervalMinutes: 15,
    createdAt,
    updatedAt: createdAt,
    version: 1,
    ...changes,
  };
}

export function next(record: LinkRecord, changes: Partial<LinkRecord> = {}): LinkRecord {
  return { ...record, updatedAt: at(3600), version: record.version + 1, ...changes };
}

export function vaultKey(version: number, masterKeyId = 'master-a'): VaultKeyRow {
  return { version, masterKeyId, wrappedKey: `wrapped:${masterKeyId}:${version}`, createdAt: at(version) };
}

export function sealed(keyVersion: number, tag: string): SealedSecret {
  return { keyVersion, ciphertext: `av1:${keyVersion}:${tag}` };
}

export const TOKEN_HASH_A = 'a'.repeat(64);

export function tokenRecord(linkId: string, subject = '', changes: Partial<TokenRecord> = {}): TokenRecord {
  return {
    linkId,
    subject,
    tokenType: 'Bearer',
    scopes: ['READ', 'WRITE'],
    obtainedAt: at(0),
    expiresAt: at(3600),
    refreshAt: at(3300),
    hasRefreshToken: true,
    state: 'valid',
    failureCount: 0,
    nextAttemptAt: null,
    lastErrorCode: null,
    updatedAt: at(0),
    ...changes,
  };
}

export function tokenSecrets(tag: string, options: { keyVersion?: number; refresh?: boolean } = {}): TokenSecrets {
  const keyVersion = options.keyVersion ?? 1;
  return { accessToken: sealed(keyVersion, `at-${tag}`), refreshToken: options.refresh === false ? null : sealed(keyVersion, `rt-${tag}`) };
}

/** Saves a credential whose record and tokens agree. */
export async function saveToken(store: Store, linkId: string, subject = '', changes: Partial<TokenRecord> = {}, tag = 'x'): Promise<TokenRecord> {
  const record = tokenRecord(linkId, subject, changes);
  await store.tokens.save(record, tokenSecrets(tag, { refresh: record.hasRefreshToken }));
  return record;
}

export function authState(id: string, linkId = 'a', changes: Partial<AuthStateRecord> = {}): AuthStateRecord {
  return { id, linkId, subject: 'user-1', createdAt: at(0), expiresAt: at(600), usedAt: null, ...changes };
}

export function consumer(id: string, createdAt = at(0), changes: Partial<ConsumerRecord> = {}): ConsumerRecord {
  return { id, name: `Consumer ${id}`, keyHash: TOKEN_HASH_A, linkIds: ['a', 'b'], createdAt, ...changes };
}

export const tick = (ms = 1) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every change a store's listeners hear, until `stop`. */
export function recordChanges(store: Store): { changes: string[]; stop: () => void } {
  const changes: string[] = [];
  const stop = store.tokens.onChange((linkId, subject) => changes.push(`${linkId}/${subject}`));
  return { changes, stop };
}

/** Resolves once `check` holds, polling; rejects after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await tick(20);
  }
}

/** Whether `promise` settles within `ms`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `withLock` on the link's own credential: read the counter (failureCount), yield, write it + 1. Returns what it read. */
export function increment(store: Store, linkId = 'a'): Promise<number> {
  return store.tokens
    .withLock(linkId, '', { wait: true }, async (access) => {
      const current = await access.get(linkId, '');
      if (current === undefined) throw new Error('no token to count with');
      // Yield to the event loop between read and write, where a missing lock would let others in.
      await tick();
      await access.saveRecord({ ...current.record, failureCount: current.record.failureCount + 1 });
      return current.record.failureCount;
    })
    .then((result) => {
      if (!result.acquired) throw new Error('a waiting withLock did not acquire');
      return result.value;
    });
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

export async function expectStoreError(promise: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
  return error as StoreError;
}

export async function allPages(store: Store, limit: number): Promise<{ pages: LinkRecord[][]; cursors: (string | null)[] }> {
  const pages: LinkRecord[][] = [];
  const cursors: (string | null)[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.links.list({ limit, cursor });
    pages.push(page.items);
    cursors.push(page.nextCursor);
    if (page.nextCursor === null) return { pages, cursors };
    cursor = page.nextCursor;
    if (pages.length > 100) throw new Error('the cursor never ends');
  }
}
