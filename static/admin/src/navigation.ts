/**
 * Where the admin page is, and how a screen asks to go elsewhere. Screens receive a `Navigate`
 * from `App` and import only this module for its type, so `App` imports screens and no screen
 * imports `App`.
 */
export type Route = { screen: 'links' } | { screen: 'create' } | { screen: 'link'; id: string } | { screen: 'connector' } | { screen: 'audit' } | { screen: 'bitbucket-migration'; id: string };
export type Navigate = (route: Route) => void;

/** Routes live in the hash so that a reload (and a test) lands on the same screen. */
export function parseRoute(hash: string): Route {
  const [screen, id] = hash.replace(/^#\/?/, '').split('/');
  if (screen === 'create') return { screen: 'create' };
  if (screen === 'link' && id !== undefined && id !== '') return { screen: 'link', id };
  if (screen === 'connector') return { screen: 'connector' };
  if (screen === 'audit') return { screen: 'audit' };
  if (screen === 'bitbucket-migration' && id !== undefined && id !== '') return { screen: 'bitbucket-migration', id };
  return { screen: 'links' };
}

export const formatRoute = (route: Route): string => ('id' in route ? `#/${route.screen}/${route.id}` : `#/${route.screen}`);
