import type { Logger } from 'pino';
import type { CredentialRevocation, LinkRevocationReport, TokenRevocation } from '../../../contract';
import { originOf } from '../links/secret-binding';
import { OAuthError, type OAuthClient } from '../oauth';
import { ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, tokenOwnerId, type LinkRecord, type Store, type StoredToken } from '../storage/store';
import type { Vault } from '../vault/vault';
import type { OAuthClientFactory } from './client-factory';
import { requireLink } from './client-factory';

/** Each revocation request's own limit: a delete must not wait on a remote that hangs. */
export const REVOCATION_CALL_TIMEOUT_MS = 5_000;
/**
 * No revocation request starts after this long: with the last one's own limit, a link's revocation
 * ends within 15 s, under the Forge app's 20 s limit for one connector call.
 */
export const LINK_REVOCATION_DEADLINE_MS = 10_000;
/** Revocation requests in flight at once for one link (impersonating links hold one credential per user). */
const CONCURRENCY = 4;
/**
 * The most credentials of one link whose tokens are read and sent for revocation: at 4 in flight
 * and a 10 s deadline, more could not be asked anyway, and reading 100,000 users' tokens would
 * hold the delete up. The rest are deleted here and reported as not revoked (`NOT_ATTEMPTED`).
 */
export const MAX_REVOKED_CREDENTIALS = 200;

export interface CredentialRevokerDeps {
  store: Store;
  vault: Vault;
  clients: OAuthClientFactory;
  logger: Logger;
  callTimeoutMs?: number;
  deadlineMs?: number;
  maxCredentials?: number;
}

type TokenKind = TokenRevocation['token'];
/** A token read from the vault before its record was deleted, or why it could not be read. */
type OpenedToken = { kind: TokenKind; value: string } | { kind: TokenKind; unreadable: string };
interface OpenedCredential {
  subject: string;
  tokens: OpenedToken[];
}
/** The link's OAuth client for revocation, or the outcome every token gets without one. */
type Revoker = { client: OAuthClient } | { outcome: Omit<TokenRevocation, 'token'> };

/**
 * Revokes a link's tokens at the remote's revocation endpoint (RFC 7009) and deletes them here.
 * The tokens are gone from the connector first, whatever the remote then answers, and no remote
 * can hold a delete up for long: every request has its own time limit and a link's revocation
 * has a deadline, after which what was not asked is reported as not revoked.
 */
export class CredentialRevoker {
  constructor(private readonly deps: CredentialRevokerDeps) {}

  /**
   * One credential (a user's Disconnect, or the link's own with subject `''`): its tokens are read
   * and deleted under the credential's lock (no refresh can rotate them behind this), then revoked
   * at the remote, refresh token first (RFC 7009 section 2.1: that may end the whole grant).
   * `tokens` is empty when nothing was stored. Throws `LINK_NOT_FOUND` only.
   */
  async revokeCredential(linkId: string, subject: string): Promise<CredentialRevocation> {
    const link = await requireLink(this.deps.store, linkId);
    const taken = await this.deps.store.tokens.withLock(linkId, subject, { wait: true }, async (access) => {
      const stored = await access.get(linkId, subject);
      if (stored === undefined) return undefined;
      const opened = await this.open(stored);
      await this.deps.store.tokens.delete(linkId, subject);
      return opened;
    });
    const opened = taken.acquired ? taken.value : undefined;
    if (opened === undefined) return { subject, tokens: [] };
    const revoker = await this.revokerFor(link);
    return this.revokeOpened(revoker, opened, Date.now() + (this.deps.deadlineMs ?? LINK_REVOCATION_DEADLINE_MS));
  }

  /**
   * Every credential of a link, for its deletion: reads the tokens and builds the client while the
   * link still exists, runs `remove` (which deletes the link, its secret and its tokens here), then
   * revokes at the remote within the deadline. A `remove` that throws revokes nothing.
   */
  async revokeLinkAround(link: LinkRecord, remove: () => Promise<void>): Promise<LinkRevocationReport> {
    const deadline = Date.now() + (this.deps.deadlineMs ?? LINK_REVOCATION_DEADLINE_MS);
    const all = await this.deps.store.tokens.listForLink(link.id);
    // The link's own credential first, then users' up to the cap.
    const ordered = [...all.filter((r) => r.subject === ''), ...all.filter((r) => r.subject !== '')];
    const records = ordered.slice(0, this.deps.maxCredentials ?? MAX_REVOKED_CREDENTIALS);
    const skipped = ordered.slice(records.length).map((r): CredentialRevocation => ({
      subject: r.subject,
      tokens: [{ token: 'access_token', outcome: 'failed', code: 'NOT_ATTEMPTED', message: 'Not sent: too many credentials to revoke within the delete.' }],
    }));
    const opened: OpenedCredential[] = [];
    for (const record of records) {
      const stored = await this.deps.store.tokens.get(link.id, record.subject);
      if (stored !== undefined) opened.push(await this.open(stored));
    }
    const revoker = opened.length === 0 ? null : await this.revokerFor(link);
    await remove();
    const revoked = revoker === null ? [] : await inPool(opened, CONCURRENCY, (credential) => this.revokeOpened(revoker, credential, deadline));
    const results = [...revoked, ...skipped];
    const own = results.find((r) => r.subject === '') ?? null;
    const users = results.filter((r) => r.subject !== '');
    const notRevoked = users.filter((r) => r.tokens.some((t) => t.outcome !== 'revoked'));
    const codes = [...new Set(notRevoked.flatMap((r) => r.tokens.map((t) => t.code).filter((c): c is string => c !== null)))];
    const endpoint = link.outgoing.revocationEndpoint;
    this.deps.logger.info({ linkId: link.id, credentials: results.length, notRevoked: results.filter((r) => r.tokens.some((t) => t.outcome !== 'revoked')).length }, 'link tokens revoked at the remote');
    return {
      endpoint: endpoint === null ? null : `${new URL(endpoint).origin}${new URL(endpoint).pathname}`,
      own,
      users: { credentials: users.length, revoked: users.length - notRevoked.length, notRevoked: notRevoked.length, codes },
    };
  }

  /** The sealed tokens opened; one that does not decrypt is reported, never fatal. */
  private async open(stored: StoredToken): Promise<OpenedCredential> {
    const owner = tokenOwnerId(stored.record.linkId, stored.record.subject);
    const tokens: OpenedToken[] = [];
    const sealed: [TokenKind, string, StoredToken['accessToken'] | null][] = [
      ['refresh_token', REFRESH_TOKEN_FIELD, stored.refreshToken],
      ['access_token', ACCESS_TOKEN_FIELD, stored.accessToken],
    ];
    for (const [kind, field, value] of sealed) {
      if (value === null) continue;
      try {
        tokens.push({ kind, value: await this.deps.vault.open(owner, field, value) });
      } catch (error) {
        tokens.push({ kind, unreadable: codeOf(error, 'SECRET_UNREADABLE') });
      }
    }
    return { subject: stored.record.subject, tokens };
  }

  private async revokerFor(link: LinkRecord): Promise<Revoker> {
    const endpoint = link.outgoing.revocationEndpoint;
    if (endpoint === null || link.authKind === 'none') {
      return { outcome: { outcome: 'not-supported', code: 'NO_REVOCATION_ENDPOINT', message: 'The link has no revocation endpoint: the remote is not asked to revoke.' } };
    }
    // The client secret goes with the request, and it goes only to the origin it was entered for.
    if (originOf(endpoint) !== originOf(link.outgoing.tokenEndpoint)) {
      return {
        outcome: {
          outcome: 'failed',
          code: 'REVOCATION_ORIGIN_DIFFERS',
          message: `The revocation endpoint is on another origin than the token endpoint: the client secret is not sent to ${originOf(endpoint)}.`,
        },
      };
    }
    try {
      return { client: await this.deps.clients.clientFor(link, { timeoutMs: this.deps.callTimeoutMs ?? REVOCATION_CALL_TIMEOUT_MS }) };
    } catch (error) {
      return { outcome: { outcome: 'failed', code: codeOf(error, 'NOT_CONFIGURED'), message: safeMessage(error) } };
    }
  }

  private async revokeOpened(revoker: Revoker, credential: OpenedCredential, deadline: number): Promise<CredentialRevocation> {
    const tokens: TokenRevocation[] = [];
    for (const token of credential.tokens) {
      if ('unreadable' in token) {
        tokens.push({ token: token.kind, outcome: 'failed', code: token.unreadable, message: 'The stored token could not be decrypted, so it could not be sent for revocation.' });
      } else if ('outcome' in revoker) {
        tokens.push({ token: token.kind, ...revoker.outcome });
      } else if (Date.now() >= deadline) {
        tokens.push({ token: token.kind, outcome: 'failed', code: 'DEADLINE', message: 'Not sent: the time allowed for revoking this link\'s tokens ran out.' });
      } else {
        tokens.push({ token: token.kind, ...(await revokeOne(revoker.client, token.value, token.kind)) });
      }
    }
    return { subject: credential.subject, tokens };
  }
}

async function revokeOne(client: OAuthClient, value: string, kind: TokenKind): Promise<Omit<TokenRevocation, 'token'>> {
  try {
    await client.revoke(value, kind);
    return { outcome: 'revoked', code: null, message: null };
  } catch (error) {
    if (error instanceof OAuthError && error.providerError === 'unsupported_token_type') {
      return { outcome: 'not-supported', code: 'UNSUPPORTED_TOKEN_TYPE', message: `The remote does not revoke ${kind === 'access_token' ? 'access' : 'refresh'} tokens (unsupported_token_type).` };
    }
    return { outcome: 'failed', code: codeOf(error, 'REVOCATION_FAILED'), message: safeMessage(error) };
  }
}

/** The error's stable code; messages of the connector's own errors never carry a token or secret. */
function codeOf(error: unknown, fallback: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : fallback;
}

function safeMessage(error: unknown): string {
  if (error instanceof OAuthError) return error.message;
  const code = codeOf(error, '');
  return code === '' ? 'The revocation request failed.' : (error as Error).message;
}

/** Runs `work` over `items`, at most `size` at a time, keeping their order. */
async function inPool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}
