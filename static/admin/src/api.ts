/**
 * The one module through which the page talks to the resolvers (`@forge/bridge` `invoke`). Every
 * payload is checked against the contract's schema before it leaves (so a mistake shows at the
 * field, without a round trip), and every answer is parsed against the contract's response schema.
 */
import { z } from 'zod';
import {
  ALL_RESOLVERS,
  ResolverFailureSchema,
  type AnyResolverKey,
  type AnyResolverPayload,
  type AnyResolverResult,
  type ForgeErrorCode,
  type LinkSummary,
  type ResolverError,
} from '../../../contract';

export type PayloadOf<K extends AnyResolverKey> = AnyResolverPayload<K>;
export type ResultOf<K extends AnyResolverKey> = AnyResolverResult<K>;

/** A refused call: the resolver's codes and messages, and where in the payload each problem is. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ForgeErrorCode | 'BRIDGE_UNAVAILABLE' | 'BAD_RESPONSE',
    message: string,
    readonly errors: ResolverError[] = [],
  ) {
    super(message);
  }
  /** The message for one field, by its dotted path. */
  at(path: string): string | undefined {
    return this.errors.find((e) => e.path === path)?.message;
  }
}

type Invoke = (functionKey: string, payload?: Record<string, unknown>) => Promise<unknown>;
let bridge: Promise<Invoke> | undefined;

/** `@forge/bridge` throws on import outside Forge (or the preview's shim), so it is loaded on first use. */
function loadBridge(): Promise<Invoke> {
  bridge ??= (async () => {
    if (!(globalThis as { __bridge?: unknown }).__bridge) {
      throw new ApiError('BRIDGE_UNAVAILABLE', 'This page runs inside Jira (or the local preview, npm run preview): no Forge bridge was found.');
    }
    const module = await import('@forge/bridge');
    return module.invoke as Invoke;
  })();
  return bridge;
}

export async function call<K extends AnyResolverKey>(key: K, payload: PayloadOf<K>): Promise<ResultOf<K>> {
  const spec: { payload: z.ZodType; result: z.ZodType } = ALL_RESOLVERS[key];
  const checked = spec.payload.safeParse(payload);
  if (!checked.success) {
    const errors = checked.error.issues.map((issue) => ({ code: 'VALIDATION_FAILED' as const, message: issue.message, path: issue.path.map(String).join('.') }));
    throw new ApiError('VALIDATION_FAILED', 'Check the highlighted fields.', errors);
  }
  const invoke = await loadBridge();
  const answer = await invoke(key, checked.data as Record<string, unknown>);
  const failure = ResolverFailureSchema.safeParse(answer);
  if (failure.success) {
    const [first, ...rest] = failure.data.errors;
    throw new ApiError(first!.code, first!.message, rest);
  }
  const success = z.object({ success: z.literal(true), data: spec.result }).safeParse(answer);
  if (!success.success) throw new ApiError('BAD_RESPONSE', `The app answered ${key} in a shape this page does not understand: reload the page.`);
  return success.data.data as ResultOf<K>;
}

/** Every link, following the cursor (at most 100 a page, the entity store's page; a site has at most 10,000). */
export async function listAllLinks(): Promise<{ items: LinkSummary[]; total: number; connectorReachable: boolean }> {
  const items: LinkSummary[] = [];
  let cursor: string | undefined;
  let total = 0;
  let connectorReachable = true;
  do {
    const page = await call('listLinks', { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    items.push(...page.items);
    total = page.total;
    connectorReachable &&= page.connectorReachable;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { items, total, connectorReachable };
}

/** Opens a URL outside the page's frame: Forge's router when there, a new window otherwise. */
export async function openExternal(url: string): Promise<void> {
  try {
    await loadBridge();
    const { router } = await import('@forge/bridge');
    await router.open(url);
  } catch {
    window.open(url, '_blank', 'noopener');
  }
}

/** Asks Forge to put its theme on the page (sets `data-color-mode` on <html>); absent outside Forge. */
export async function enableTheming(): Promise<void> {
  await loadBridge();
  const { view } = await import('@forge/bridge');
  await view.theme.enable();
}
