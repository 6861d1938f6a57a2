import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  CHECK_INTERVAL_MINUTES,
  REMOTE_PRESETS,
  expandEndpoint,
  linkRuleViolations,
  secretLast4,
  type ApiIssue,
  type CreateLinkInput,
  type LinkRevocationReport,
  type LinkStatus,
  type UpdateLinkInput,
} from '../../../contract';
import type { UrlPolicy } from '../outbound/url-policy';
import { CLIENT_SECRET_FIELD, StoreError, type LinkRecord, type SecretChanges, type Store } from '../storage/store';
import type { Vault } from '../vault/vault';
import { LinkError } from './errors';
import { apiOriginMoves, tokenOriginMoves, tokensCannotFollow } from './origin-moves';
import { bindSecret, originOf, unbindSecret } from './secret-binding';

const UPDATE_ATTEMPTS = 3;

export interface LinkServiceDeps {
  store: Store;
  vault: Vault;
  policy: UrlPolicy;
  now: () => Date;
  newId?: () => string;
  /** Revokes the link's tokens at the remote around its deletion (credentials/revoke.ts). */
  revocation?: { revokeLinkAround(link: LinkRecord, remove: () => Promise<void>): Promise<LinkRevocationReport> };
}

/**
 * Creating and editing links: defaults from the remote's preset, the URL policy, the kind's rules,
 * and the client secret sealed by the vault and written in the same transaction as the record.
 */
export class LinkService {
  constructor(private readonly deps: LinkServiceDeps) {}

  async create(input: CreateLinkInput): Promise<LinkRecord> {
    const id = (this.deps.newId ?? randomUUID)();
    const now = this.deps.now().toISOString();
    const preset = REMOTE_PRESETS[input.remoteKind];
    const base = normalizeBase(input.applicationUrl);
    const o = input.outgoing ?? {};
    const tenant = o.tenant ?? null;
    const record: LinkRecord = {
      id,
      name: input.name,
      remoteKind: input.remoteKind,
      applicationUrl: base,
      displayUrl: input.displayUrl === undefined ? null : normalizeBase(input.displayUrl),
      authKind: input.authKind,
      status: 'needs-configuration',
      statusReason: null,
      outgoing: {
        clientId: o.clientId ?? null,
        clientSecretSetAt: null,
        clientSecretLast4: null,
        scopes: dedupe(o.scopes ?? [...preset.defaultScopes]),
        authorizationEndpoint: o.authorizationEndpoint ?? defaultEndpoint(input.remoteKind, 'authorization', base, tenant),
        tokenEndpoint: o.tokenEndpoint ?? defaultEndpoint(input.remoteKind, 'token', base, tenant),
        revocationEndpoint: o.revocationEndpoint ?? defaultEndpoint(input.remoteKind, 'revocation', base, tenant),
        apiProbeUrl: o.apiProbeUrl ?? null,
        tenant,
        grantType: o.grantType ?? preset.defaultGrant,
        secretExpiresAt: o.secretExpiresAt ?? null,
        clientAuth: o.clientAuth ?? null,
        pkce: o.pkce ?? null,
        authorizeParams: o.authorizeParams ?? null,
        workspace: o.workspace ?? null,
      },
      checkIntervalMinutes: input.checkIntervalMinutes === undefined ? CHECK_INTERVAL_MINUTES.default : input.checkIntervalMinutes,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    if (o.clientSecret !== undefined) setFingerprint(record, o.clientSecret, now);
    this.validate(record);
    record.status = nextStatus(record, null, true);
    await this.deps.vault.withFreshKeys(async () => {
      await this.deps.store.links.create(record, await this.secretChanges(id, o.clientSecret));
    });
    await this.bindAfterWrite(record, record, o.clientSecret);
    return record;
  }

  async get(id: string): Promise<LinkRecord> {
    const record = await this.deps.store.links.get(id);
    if (record === undefined) throw new LinkError('LINK_NOT_FOUND', `No link with id ${id}.`);
    return record;
  }

  /**
   * Applies a patch. Any edit that moves the token endpoint to another origin must carry the
   * client secret again (issue 11.2). `relocation`: the remote moved (the relocate route, after
   * probing the new URL); there the token endpoint usually follows the application URL, and a
   * probe proves nothing about who runs the new host (anyone can serve an applinks manifest), so
   * a relocation to another token origin needs the secret too. Other edits whose preset endpoint
   * follows the URL keep the secret unbound instead (see bindAfterWrite).
   */
  async update(id: string, patch: UpdateLinkInput, options: { relocation?: boolean } = {}): Promise<LinkRecord> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.get(id);
      const moves = tokenOriginMoves(current, this.applyPatch(current, patch));
      // A token endpoint typed into this request, or moved by a relocation; one that followed the
      // application URL in an ordinary edit keeps its secret's binding behind (see bindAfterWrite),
      // so the secret is not sent there either.
      const mustReenter = moves && (patch.outgoing?.tokenEndpoint !== undefined || options.relocation === true);
      // Re-sending the stored secret is no change, unless it is re-entered for a new origin.
      const effective = moves ? patch : await this.withoutUnchangedSecret(current, patch);
      const next = this.applyPatch(current, effective);
      const secret = effective.outgoing?.clientSecret;
      if (mustReenter && current.outgoing.clientSecretSetAt !== null && secret === undefined) {
        const what = options.relocation === true ? `The link was not moved: its token endpoint would move to ${originOf(next.outgoing.tokenEndpoint) ?? 'another origin'}` : `The token endpoint moves to ${originOf(next.outgoing.tokenEndpoint) ?? 'another origin'}`;
        const message = `${what}: enter the client secret again in the same request. The connector sends a client secret only to the origin it was entered for.`;
        throw new LinkError('SECRET_ORIGIN_CHANGED', message, [{ path: 'outgoing.clientSecret', message: 'required when the token endpoint moves to another origin' }]);
      }
      try {
        await this.deps.vault.withFreshKeys(async () => {
          await this.deps.store.links.update(next, current.version, await this.secretChanges(id, secret));
        });
        await this.bindAfterWrite(current, next, secret);
        if (tokensCannotFollow(current, next)) await this.dropTokens(id);
        return next;
      } catch (error) {
        // Another writer got there first: apply the patch again to what they wrote.
        if (error instanceof StoreError && error.code === 'CONFLICT' && attempt < UPDATE_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /**
   * Removes every stored token of the link (each removal is announced, so every replica's cache
   * drops it too). A refresh that was already running may still save one it obtained: the link's
   * status asks for a new authorization either way.
   */
  private async dropTokens(id: string): Promise<void> {
    for (const token of await this.deps.store.tokens.listForLink(id)) await this.deps.store.tokens.delete(id, token.subject);
  }

  /** Deletes the link, its secret and tokens here; with `revocation`, then revokes its tokens at the remote and reports each. */
  async delete(id: string): Promise<LinkRevocationReport | null> {
    const remove = async (): Promise<void> => {
      if (!(await this.deps.store.links.delete(id))) throw new LinkError('LINK_NOT_FOUND', `No link with id ${id}.`);
      await unbindSecret(this.deps.store, id);
    };
    return this.deps.revocation === undefined ? remove().then(() => null) : this.deps.revocation.revokeLinkAround(await this.get(id), remove);
  }

  private applyPatch(current: LinkRecord, patch: UpdateLinkInput): LinkRecord {
    const now = this.deps.now().toISOString();
    const o = patch.outgoing ?? {};
    const base = patch.applicationUrl === undefined ? current.applicationUrl : normalizeBase(patch.applicationUrl);
    const tenant = o.tenant === undefined ? current.outgoing.tenant : o.tenant;
    const kind = current.remoteKind as CreateLinkInput['remoteKind'];
    // Endpoints that were the preset's defaults follow the base URL and tenant when they change;
    // endpoints the admin typed stay as typed.
    const follow = (which: 'authorization' | 'token' | 'revocation', value: string | null): string | null =>
      value === defaultEndpoint(kind, which, current.applicationUrl, current.outgoing.tenant) ? defaultEndpoint(kind, which, base, tenant) : value;
    const next: LinkRecord = {
      ...current,
      name: patch.name ?? current.name,
      applicationUrl: base,
      displayUrl: patch.displayUrl === undefined ? current.displayUrl : patch.displayUrl === null ? null : normalizeBase(patch.displayUrl),
      authKind: patch.authKind ?? current.authKind,
      checkIntervalMinutes: patch.checkIntervalMinutes === undefined ? current.checkIntervalMinutes : patch.checkIntervalMinutes,
      outgoing: {
        ...current.outgoing,
        clientId: o.clientId === undefined ? current.outgoing.clientId : o.clientId,
        scopes: o.scopes === undefined ? current.outgoing.scopes : dedupe(o.scopes),
        authorizationEndpoint: o.authorizationEndpoint ?? follow('authorization', current.outgoing.authorizationEndpoint),
        tokenEndpoint: o.tokenEndpoint ?? follow('token', current.outgoing.tokenEndpoint),
        revocationEndpoint: o.revocationEndpoint === undefined ? follow('revocation', current.outgoing.revocationEndpoint) : o.revocationEndpoint,
        apiProbeUrl: o.apiProbeUrl === undefined ? current.outgoing.apiProbeUrl : o.apiProbeUrl,
        tenant,
        grantType: o.grantType ?? current.outgoing.grantType,
        // A new secret without its expiry makes the old secret's date meaningless.
        secretExpiresAt: o.secretExpiresAt !== undefined ? o.secretExpiresAt : o.clientSecret !== undefined ? null : current.outgoing.secretExpiresAt,
        clientAuth: o.clientAuth === undefined ? (current.outgoing.clientAuth ?? null) : o.clientAuth,
        pkce: o.pkce === undefined ? (current.outgoing.pkce ?? null) : o.pkce,
        authorizeParams: o.authorizeParams === undefined ? (current.outgoing.authorizeParams ?? null) : o.authorizeParams,
        workspace: o.workspace === undefined ? (current.outgoing.workspace ?? null) : o.workspace,
      },
      updatedAt: now,
      version: current.version + 1,
    };
    if (o.clientSecret === null) {
      next.outgoing.clientSecretSetAt = null;
      next.outgoing.clientSecretLast4 = null;
    } else if (o.clientSecret !== undefined) {
      setFingerprint(next, o.clientSecret, now);
    }
    this.validate(next);
    const credentialsChanged =
      o.clientSecret !== undefined ||
      next.outgoing.clientId !== current.outgoing.clientId ||
      next.outgoing.tokenEndpoint !== current.outgoing.tokenEndpoint ||
      next.outgoing.scopes.join(' ') !== current.outgoing.scopes.join(' ') ||
      next.authKind !== current.authKind ||
      apiOriginMoves(current, next);
    next.status = nextStatus(next, current.status as LinkStatus, credentialsChanged);
    if (next.status !== current.status) next.statusReason = null;
    return next;
  }

  private validate(record: LinkRecord): void {
    const issues: ApiIssue[] = [];
    const urls: [string, string | null][] = [
      ['applicationUrl', record.applicationUrl],
      ['displayUrl', record.displayUrl],
      ['outgoing.authorizationEndpoint', record.outgoing.authorizationEndpoint],
      ['outgoing.tokenEndpoint', record.outgoing.tokenEndpoint],
      ['outgoing.revocationEndpoint', record.outgoing.revocationEndpoint],
      ['outgoing.apiProbeUrl', record.outgoing.apiProbeUrl],
    ];
    let policyCode: 'INSECURE_URL' | 'HOST_NOT_ALLOWED' | undefined;
    for (const [path, value] of urls) {
      if (value === null) continue;
      const verdict = this.deps.policy.check(value);
      if (!verdict.ok) {
        issues.push({ path, message: verdict.reason });
        if (verdict.code !== 'URL_INVALID') policyCode ??= verdict.code;
      }
    }
    if (issues.length > 0 && policyCode !== undefined) {
      throw new LinkError(policyCode === 'INSECURE_URL' ? 'LINK_URL_INSECURE' : 'LINK_HOST_NOT_ALLOWED', 'The link names a URL the connector is not allowed to call.', issues);
    }
    issues.push(
      ...linkRuleViolations({
        remoteKind: record.remoteKind as CreateLinkInput['remoteKind'],
        authKind: record.authKind as CreateLinkInput['authKind'],
        scopes: record.outgoing.scopes,
        authorizationEndpoint: record.outgoing.authorizationEndpoint,
        tokenEndpoint: record.outgoing.tokenEndpoint,
        grantType: record.outgoing.grantType,
      }),
    );
    if (issues.length > 0) throw new LinkError('LINK_INVALID', 'The link is not valid for this kind of remote.', issues);
  }

  /**
   * The patch without its client secret when that is the secret already stored: admins re-send
   * the whole form, and the same secret is no new credential, so the link keeps its tokens and
   * status. Compared as SHA-256 digests in constant time; a stored secret that does not open
   * counts as different (the new one replaces it).
   */
  private async withoutUnchangedSecret(current: LinkRecord, patch: UpdateLinkInput): Promise<UpdateLinkInput> {
    const secret = patch.outgoing?.clientSecret;
    if (typeof secret !== 'string' || current.outgoing.clientSecretSetAt === null) return patch;
    const sealed = await this.deps.store.secrets.get(current.id, CLIENT_SECRET_FIELD);
    if (sealed === undefined) return patch;
    let stored: string;
    try {
      stored = await this.deps.vault.open(current.id, CLIENT_SECRET_FIELD, sealed);
    } catch {
      return patch;
    }
    if (!timingSafeEqual(digest(stored), digest(secret))) return patch;
    const { clientSecret: _same, ...outgoing } = patch.outgoing ?? {};
    return { ...patch, outgoing };
  }

  private async secretChanges(id: string, secret: string | null | undefined): Promise<SecretChanges | undefined> {
    if (secret === undefined) return undefined;
    if (secret === null) return { delete: [CLIENT_SECRET_FIELD] };
    return { put: [{ field: CLIENT_SECRET_FIELD, sealed: await this.deps.vault.seal(id, CLIENT_SECRET_FIELD, secret) }] };
  }

  /**
   * After the record and secret are written: a new secret is bound to its token endpoint's origin.
   * A kept secret's binding never moves to another origin (only a first token endpoint binds it):
   * a preset endpoint following the application URL leaves the binding where it was, so the
   * secret is not sent to the new origin until it is entered again. Written after the record, so
   * a crash in between leaves a secret that is refused, never one sent too far.
   */
  private async bindAfterWrite(current: LinkRecord, next: LinkRecord, secret: string | null | undefined): Promise<void> {
    const { store, vault } = this.deps;
    const origin = originOf(next.outgoing.tokenEndpoint);
    if (secret === null) return unbindSecret(store, next.id);
    if (origin === null) return;
    if (secret !== undefined) return bindSecret(store, next.id, origin, secret);
    const moved = origin !== originOf(current.outgoing.tokenEndpoint);
    const firstEndpoint = current.outgoing.tokenEndpoint === null;
    if (!moved || !firstEndpoint || current.outgoing.clientSecretSetAt === null) return;
    const sealed = await store.secrets.get(next.id, CLIENT_SECRET_FIELD);
    if (sealed !== undefined) await bindSecret(store, next.id, origin, await vault.open(next.id, CLIENT_SECRET_FIELD, sealed));
  }
}

/**
 * The status a link has after a configuration change. Runtime states (connected, failing, needs
 * re-authorization) are set by the token and test machinery; configuration only moves a link
 * between "outgoing only", "needs configuration" and "needs authorization".
 */
export function nextStatus(record: LinkRecord, previous: LinkStatus | null, credentialsChanged: boolean): LinkStatus {
  if (record.authKind === 'none') return 'outgoing-only';
  if (record.outgoing.clientId === null || record.outgoing.clientSecretSetAt === null) return 'needs-configuration';
  if (previous === null || credentialsChanged || previous === 'needs-configuration' || previous === 'outgoing-only') return 'needs-authorization';
  return previous;
}

function setFingerprint(record: LinkRecord, secret: string, now: string): void {
  record.outgoing.clientSecretSetAt = now;
  record.outgoing.clientSecretLast4 = secretLast4(secret);
}

function defaultEndpoint(kind: CreateLinkInput['remoteKind'], which: 'authorization' | 'token' | 'revocation', base: string, tenant: string | null): string | null {
  const endpoints = REMOTE_PRESETS[kind].endpoints;
  const template = endpoints?.[which];
  return template === undefined ? null : expandEndpoint(template, { base, tenant: tenant ?? undefined });
}

function normalizeBase(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  return parsed.toString().replace(/\/+$/, '');
}

function dedupe(scopes: string[]): string[] {
  return [...new Set(scopes)];
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
