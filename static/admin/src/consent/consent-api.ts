/**
 * The consent page's calls: the contract's consent resolvers, payloads checked before they leave
 * and answers parsed, through the same bridge as the admin page.
 */
import { CONSENT_RESOLVERS, ResolverFailureSchema, type ConsentResolverKey } from '../../../../contract';
import type { z } from 'zod';

type Spec = (typeof CONSENT_RESOLVERS)[ConsentResolverKey];

export async function consentCall<K extends ConsentResolverKey>(key: K, payload: z.input<(typeof CONSENT_RESOLVERS)[K]['payload']>): Promise<z.output<(typeof CONSENT_RESOLVERS)[K]['result']>> {
  const spec: Spec = CONSENT_RESOLVERS[key];
  const checked = spec.payload.parse(payload);
  if (!(globalThis as { __bridge?: unknown }).__bridge) throw new Error('This page runs inside Jira (or the local preview): no Forge bridge was found.');
  const { invoke } = await import('@forge/bridge');
  const answer = (await invoke(key, checked as Record<string, unknown>)) as { success?: boolean; data?: unknown };
  if (answer?.success === true) return spec.result.parse(answer.data) as z.output<(typeof CONSENT_RESOLVERS)[K]['result']>;
  const failure = ResolverFailureSchema.safeParse(answer);
  throw new Error(failure.success ? (failure.data.errors[0]?.message ?? 'The request was refused.') : 'The app answered in an unexpected shape.');
}

/** The pending request id from the page's route (`/consent/<id>`), Forge's history location inside the app's page. */
export async function requestIdFromRoute(): Promise<string | undefined> {
  try {
    if (!(globalThis as { __bridge?: unknown }).__bridge) return undefined;
    const { view } = await import('@forge/bridge');
    const history = (await view.createHistory()) as { location?: { pathname?: string } };
    return /\/consent\/([A-Za-z0-9_-]{43})$/.exec(history.location?.pathname ?? '')?.[1];
  } catch {
    return undefined;
  }
}
