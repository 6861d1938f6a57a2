import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { CLIENT_SECRET_FIELD, type Store } from '../storage/store';
import { VaultError } from '../vault/errors';
import type { Vault } from '../vault/vault';

/**
 * A link's client secret is bound to the origin of the token endpoint it was entered for (issue
 * 11.2): the connector sends it nowhere else. The binding is the origin with an HMAC-SHA256 keyed
 * by the secret itself over the link id and the origin, kept in the settings store. Only someone
 * who holds the secret can make a binding for another origin, so an edit of the link's token
 * endpoint in the database does not move the secret, and a binding copied from another link (or
 * another origin) does not verify.
 *
 * Why not in the secret's own additional data: the sealed secret keeps the vault's (record id,
 * field) binding that rotate-key, the CLI and existing tools rely on, and a second sealed row
 * would have to follow every key rotation. The HMAC needs no vault key, so rotations leave it be.
 */
const SETTING_PREFIX = 'clientSecretBinding:';

/** The settings key that records that secrets stored before bindings existed have been bound. */
export const LEGACY_SECRETS_BOUND_SETTING = 'clientSecretBinding.legacyBound';

const BindingSchema = z.object({ origin: z.string(), mac: z.string() });
export type SecretBinding = z.infer<typeof BindingSchema>;

export const bindingSetting = (linkId: string): string => `${SETTING_PREFIX}${linkId}`;

/** `scheme://host:port` of a URL (default ports made explicit), or null when there is none. */
export function originOf(url: string | null): string | null {
  if (url === null) return null;
  const parsed = new URL(url);
  const port = parsed.port !== '' ? parsed.port : parsed.protocol === 'https:' ? '443' : '80';
  return `${parsed.protocol}//${parsed.hostname}:${port}`;
}

function mac(linkId: string, origin: string, secret: string): string {
  return createHmac('sha256', secret).update(`applinks client secret binding\u0000${linkId}\u0000${origin}`, 'utf8').digest('base64url');
}

/** Binds `secret` of link `linkId` to `origin` (replacing any earlier binding). */
export async function bindSecret(store: Store, linkId: string, origin: string, secret: string): Promise<void> {
  const binding: SecretBinding = { origin, mac: mac(linkId, origin, secret) };
  await store.settings.set(bindingSetting(linkId), binding);
}

export async function unbindSecret(store: Store, linkId: string): Promise<void> {
  await store.settings.delete(bindingSetting(linkId));
}

export type BindingCheck = { ok: true } | { ok: false; reason: 'missing' | 'origin' | 'forged' };

/** Whether the link's binding lets `secret` go to `origin`. */
export async function checkBinding(store: Store, linkId: string, origin: string, secret: string): Promise<BindingCheck> {
  const parsed = BindingSchema.safeParse(await store.settings.get(bindingSetting(linkId)));
  if (!parsed.success) return { ok: false, reason: 'missing' };
  if (parsed.data.origin !== origin) return { ok: false, reason: 'origin' };
  const given = Buffer.from(mac(linkId, origin, secret));
  const bound = Buffer.from(parsed.data.mac);
  return given.length === bound.length && timingSafeEqual(given, bound) ? { ok: true } : { ok: false, reason: 'forged' };
}

/**
 * The upgrade step: binds every client secret stored before bindings existed to its link's
 * current token endpoint origin, then records that it ran. Idempotent and safe on several
 * replicas at once (each binding it writes is the same). After it, a missing binding is refused.
 */
export async function bindLegacySecrets(deps: { store: Store; vault: Vault }): Promise<number> {
  const { store, vault } = deps;
  if ((await store.settings.get(LEGACY_SECRETS_BOUND_SETTING)) === true) return 0;
  let bound = 0;
  let cursor: string | undefined;
  do {
    const page = await store.links.list({ limit: 500, cursor });
    for (const link of page.items) {
      const origin = originOf(link.outgoing.tokenEndpoint);
      const sealed = await store.secrets.get(link.id, CLIENT_SECRET_FIELD);
      if (origin === null || sealed === undefined || (await store.settings.get(bindingSetting(link.id))) !== undefined) continue;
      try {
        await bindSecret(store, link.id, origin, await vault.open(link.id, CLIENT_SECRET_FIELD, sealed));
        bound += 1;
      } catch (error) {
        // An altered secret stays unbound: using it fails with the vault's code, as it would anyway.
        if (!(error instanceof VaultError)) throw error;
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  await store.settings.set(LEGACY_SECRETS_BOUND_SETTING, true);
  return bound;
}
