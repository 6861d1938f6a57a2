import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { PAIRING_CODE_TTL_MS } from '../../../contract';
import type { SettingStore } from '../storage/store';
import type { ForgeInvocation } from './invocation-token';

/**
 * Binds the connector to one Forge installation. `applinks-connector pair` issues a one-time code
 * (only its SHA-256 and expiry are stored); the first valid invocation that presents it binds its
 * installation; `unpair` releases it.
 *
 * Concurrency: the settings store has no compare-and-set, but `delete` reports whether it removed
 * the row, which makes it an atomic claim. Two invocations presenting the same code at once both
 * match it, and only the one whose delete removed the pending code goes on to bind.
 */

/** Every setting the Forge channel keeps, named in one place. */
export const FORGE_SETTINGS = {
  binding: 'forge.pairing.binding',
  pending: 'forge.pairing.pending',
  used: 'forge.pairing.used',
} as const;

const BindingSchema = z.object({
  installationId: z.string(),
  cloudId: z.string().nullable(),
  siteUrl: z.string().nullable(),
  appId: z.string(),
  environmentType: z.string().nullable(),
  pairedAt: z.string(),
});
export type PairingBinding = z.infer<typeof BindingSchema>;

const PendingSchema = z.object({ codeHash: z.string().regex(/^[0-9a-f]{64}$/), expiresAt: z.string(), issuedAt: z.string() });
const UsedSchema = z.object({ codeHash: z.string().regex(/^[0-9a-f]{64}$/), usedAt: z.string() });

export type PairingErrorCode = 'ALREADY_PAIRED' | 'PAIRED_ELSEWHERE' | 'NO_CODE_PENDING' | 'CODE_WRONG' | 'CODE_EXPIRED' | 'CODE_USED';

export class PairingError extends Error {
  override readonly name = 'PairingError';
  constructor(
    readonly code: PairingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Crockford base32: no I, L, O or U, so a code read aloud or retyped is not ambiguous. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 16 characters of base32: 80 random bits, far beyond guessing within 10 minutes. */
export function newPairingCode(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff; // only the low bits are still to be emitted
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join('-');
}

/** What the admin typed, reduced to the code's characters (case, spaces, dashes and look-alikes forgiven). */
export function normalizePairingCode(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}

function hashCode(code: string): string {
  return createHash('sha256').update(normalizePairingCode(code), 'utf8').digest('hex');
}

/** Constant-time comparison of two SHA-256 hex digests. */
function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

export class PairingService {
  private readonly ttlMs: number;

  constructor(private readonly deps: { settings: SettingStore; now: () => Date; ttlMs?: number }) {
    this.ttlMs = deps.ttlMs ?? PAIRING_CODE_TTL_MS;
  }

  async binding(): Promise<PairingBinding | undefined> {
    const raw = await this.deps.settings.get(FORGE_SETTINGS.binding);
    return raw === undefined ? undefined : BindingSchema.parse(raw);
  }

  /** Issues a new code (replacing any pending one). Refused while paired: unpair first. */
  async issueCode(): Promise<{ code: string; expiresAt: Date; replacedPending: boolean }> {
    const current = await this.binding();
    if (current !== undefined) {
      throw new PairingError('ALREADY_PAIRED', `This connector is paired with ${current.installationId} (since ${current.pairedAt}). Run applinks-connector unpair first.`);
    }
    const replacedPending = (await this.deps.settings.get(FORGE_SETTINGS.pending)) !== undefined;
    const code = newPairingCode();
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.deps.settings.set(FORGE_SETTINGS.pending, { codeHash: hashCode(code), expiresAt: expiresAt.toISOString(), issuedAt: now.toISOString() });
    return { code, expiresAt, replacedPending };
  }

  /** Binds the invoking installation if `code` is the pending one, unexpired and unused. */
  async pair(code: string, invocation: ForgeInvocation): Promise<PairingBinding> {
    const current = await this.binding();
    if (current !== undefined) {
      if (current.installationId === invocation.installationId) throw new PairingError('ALREADY_PAIRED', 'This connector is already paired with this installation.');
      throw new PairingError('PAIRED_ELSEWHERE', 'This connector is paired with another Jira installation.');
    }
    const presented = hashCode(code);
    const rawPending = await this.deps.settings.get(FORGE_SETTINGS.pending);
    const pending = rawPending === undefined ? undefined : PendingSchema.parse(rawPending);
    if (pending === undefined || !sameHash(presented, pending.codeHash)) {
      const rawUsed = await this.deps.settings.get(FORGE_SETTINGS.used);
      const used = rawUsed === undefined ? undefined : UsedSchema.safeParse(rawUsed).data;
      if (used !== undefined && sameHash(presented, used.codeHash)) {
        throw new PairingError('CODE_USED', 'This pairing code has already been used. Run applinks-connector pair on the connector host for a new one.');
      }
      if (pending === undefined) throw new PairingError('NO_CODE_PENDING', 'No pairing code is waiting. Run applinks-connector pair on the connector host and enter the code it prints.');
      throw new PairingError('CODE_WRONG', 'This is not the pairing code the connector printed. Check it, or run applinks-connector pair for a new one.');
    }
    const now = this.deps.now();
    if (now.getTime() >= Date.parse(pending.expiresAt)) {
      throw new PairingError('CODE_EXPIRED', 'This pairing code has expired (codes last 10 minutes). Run applinks-connector pair for a new one.');
    }
    // The claim: whoever removes the pending code binds; a concurrent presenter finds it gone.
    if (!(await this.deps.settings.delete(FORGE_SETTINGS.pending))) {
      throw new PairingError('CODE_USED', 'This pairing code has just been used. Run applinks-connector pair for a new one.');
    }
    const binding: PairingBinding = {
      installationId: invocation.installationId,
      cloudId: invocation.cloudId,
      siteUrl: invocation.siteUrl,
      appId: invocation.appId,
      environmentType: invocation.environmentType,
      pairedAt: now.toISOString(),
    };
    await this.deps.settings.set(FORGE_SETTINGS.binding, binding);
    await this.deps.settings.set(FORGE_SETTINGS.used, { codeHash: presented, usedAt: now.toISOString() });
    return binding;
  }

  /** Releases the binding and cancels a pending code. Resolves to the binding that was released. */
  async unpair(): Promise<{ released: PairingBinding | undefined; cancelledCode: boolean }> {
    const released = await this.binding().catch(() => undefined);
    const removed = await this.deps.settings.delete(FORGE_SETTINGS.binding);
    const cancelledCode = await this.deps.settings.delete(FORGE_SETTINGS.pending);
    return { released: removed ? released : undefined, cancelledCode };
  }
}
