/**
 * Which manifest module this page is shown in, from the bridge's context. Undefined when the
 * context cannot be read (no bridge): the page then shows the admin page, which explains itself.
 */
export async function moduleKey(): Promise<string | undefined> {
  try {
    if (!(globalThis as { __bridge?: unknown }).__bridge) return undefined;
    const { view } = await import('@forge/bridge');
    const context = (await view.getContext()) as { moduleKey?: unknown };
    return typeof context.moduleKey === 'string' ? context.moduleKey : undefined;
  } catch {
    return undefined;
  }
}
