import type { ComponentType } from 'react';
import { App } from './App';
import { ConsentPage } from './consent/ConsentPage';
import { MyConnectionsPage } from './screens/my-connections/MyConnectionsPage';

/**
 * One build serves every Custom UI module of the app; each module key shows its own surface.
 * Forge tells the page which module it is in (`view.getContext().moduleKey`); the manifest's
 * modules and the preview's list (preview/surfaces.ts) name the same keys.
 */
export const SURFACES: Readonly<Record<string, ComponentType>> = {
  'applinks-admin-page': App,
  'applinks-consent': ConsentPage,
  'applinks-connected-accounts': MyConnectionsPage,
};

/** The surface for a module key; the admin page when the key is unknown (or the context could not be read). */
export function surfaceFor(moduleKey: string | undefined): ComponentType {
  return (moduleKey === undefined ? undefined : SURFACES[moduleKey]) ?? App;
}
